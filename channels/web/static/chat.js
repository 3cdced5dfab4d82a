// The web chat: streams each turn from POST /v1/chat/stream (server-sent events) and shows its trace on demand.
"use strict";

const THREAD_KEY = "tessera.thread";

function newThread() {
  const id = "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
  sessionStorage.setItem(THREAD_KEY, id);
  document.getElementById("thread").textContent = id;
  document.getElementById("messages").replaceChildren();
  return id;
}

function thread() { return sessionStorage.getItem(THREAD_KEY) || newThread(); }

function bubble(kind, text) {
  const div = document.createElement("div");
  div.className = "bubble " + kind;
  div.textContent = text;  // text only: a reply never becomes markup
  document.getElementById("messages").append(div);
  div.scrollIntoView({ block: "end" });
  return div;
}

// Reads an SSE body chunk by chunk; calls onEvent(name, data) for each complete event.
async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) name = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    }
  }
}

async function showTrace(turnId, holder, button) {
  const existing = holder.querySelector(".trace");
  if (existing) { existing.remove(); button.textContent = "Why?"; return; }
  const trace = await (await Session.api("/v1/traces/" + encodeURIComponent(turnId))).json();
  const box = document.createElement("div");
  box.className = "trace";
  const head = document.createElement("div");
  head.textContent = `${trace.agent} agent (${trace.route_reason}) · ${trace.duration_ms} ms`;
  const list = document.createElement("ol");
  for (const step of trace.steps) {
    const item = document.createElement("li");
    if (step.type === "model") {
      const calls = step.tool_calls.map((c) => `${c.name}(${JSON.stringify(c.args)})`).join(", ");
      item.textContent = `model ${step.model || ""}: ${calls ? "calls " + calls : step.reason.slice(0, 200)}`;
    } else {
      item.textContent = `tool ${step.name} [${step.status}] ${step.ms ?? "?"} ms: ${step.result.slice(0, 240)}`;
    }
    list.append(item);
  }
  box.append(head, list);
  holder.append(box);
  button.textContent = "Hide trace";
}

// Charts of a turn (Vega-Lite specs from the metrics tool), drawn with the bundled vega-embed: no network, and
// Vega's expression interpreter instead of generated code, so the page's CSP stays strict.
async function drawCharts(turnId, holder) {
  if (typeof vegaEmbed !== "function") return;
  const response = await Session.api("/v1/traces/" + encodeURIComponent(turnId) + "/charts");
  if (!response.ok) return;
  for (const spec of (await response.json()).charts) {
    const box = document.createElement("div");
    box.className = "chart";
    holder.insertBefore(box, holder.querySelector(".meta"));
    try {
      await vegaEmbed(box, spec, { ast: true, actions: false, renderer: "svg" });
    } catch (error) {
      box.textContent = "(the chart could not be drawn: " + error.message + ")";
    }
  }
}

// Plan, confirm, act: the plan's answer goes to POST /v1/chat/confirmations/{id}; only its asker may give it.
function confirmButtons(confirmation, meta) {
  const answer = async (yes) => {
    for (const b of meta.querySelectorAll("button.confirm")) b.disabled = true;
    const response = await Session.api("/v1/chat/confirmations/" + encodeURIComponent(confirmation.id), {
      method: "POST", json: { confirm: yes },
    });
    const data = await response.json();
    bubble(response.ok ? "assistant" : "assistant error", response.ok ? data.reply : "Sorry: " + data.detail);
  };
  return [["Yes, go ahead", true], ["Cancel", false]].map(([label, yes]) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "confirm";
    button.textContent = label;
    button.addEventListener("click", () => answer(yes));
    return button;
  });
}

// Undo what this turn wrote (POST /v1/undo/{id} for each of its writes, newest first).
function undoButton(ids) {
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Undo";
  button.addEventListener("click", async () => {
    button.disabled = true;
    const restored = [];
    for (const id of [...ids].reverse()) {
      const response = await Session.api("/v1/undo/" + id, { method: "POST", json: {} });
      const data = await response.json();
      if (!response.ok) { bubble("assistant error", "Sorry: " + data.detail); return; }
      restored.push(...data.restored.map((r) => `${r.record} ${r.field}: ${r.old ?? "—"} → ${r.new ?? "—"}`));
    }
    bubble("assistant", "Undone: " + restored.join("; "));
  });
  return button;
}

async function send(text) {
  bubble("user", text);
  const answer = bubble("assistant", "");
  const steps = document.createElement("div");
  steps.className = "steps";
  steps.textContent = "thinking…";
  answer.append(steps);
  try {
    const response = await Session.api("/v1/chat/stream", {
      method: "POST", json: { thread: thread(), message: text },  // who chats is the token's owner
      headers: { "Accept": "text/event-stream", "Idempotency-Key": Session.newKey() },
    });
    const seen = [];
    await readEvents(response, (name, data) => {
      if (name === "step") { seen.push(data.node); steps.textContent = seen.join(" → "); }
      if (name === "error") { answer.textContent = "Sorry: " + (data.detail || "the turn failed"); }
      if (name === "reply") {
        answer.textContent = data.reply || "(no reply)";
        answer.classList.toggle("tabular", /-\+-/.test(data.reply || ""));  // a text table reads best aligned
        const meta = document.createElement("div");
        meta.className = "meta";
        const why = document.createElement("button");
        why.type = "button";
        why.textContent = "Why?";
        why.addEventListener("click", () => showTrace(data.turn_id, answer, why));
        const info = document.createElement("span");
        info.textContent = `${data.agent} · ${Math.round(data.duration_ms)} ms`;
        meta.append(info, why);
        if (data.confirmation) meta.append(...confirmButtons(data.confirmation, meta));
        if (data.undo_ids && data.undo_ids.length) meta.append(undoButton(data.undo_ids));
        answer.append(meta);
        drawCharts(data.turn_id, answer);
        RepDay.afterTurn(answer, data.tool_calls).finally(() => { answer.dataset.turn = data.turn_id; });
      }
    });
  } catch (error) {
    answer.textContent = "Sorry: " + error.message;
    answer.classList.add("error");
  }
}

document.addEventListener("DOMContentLoaded", () => {
  Session.setup(() => {
    document.getElementById("chat").hidden = false;
    document.getElementById("thread").textContent = thread();
  });
  if (!sessionStorage.getItem("tessera.token")) document.getElementById("signin").hidden = false;
  document.getElementById("new-thread").addEventListener("click", newThread);
  const form = document.getElementById("ask");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = form.elements.message.value.trim();
    if (!text) return;
    form.elements.message.value = "";
    send(text);
  });
  form.elements.message.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
});
