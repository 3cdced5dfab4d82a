// The customer's data-control center, on the public privacy API under /v1/me only.
"use strict";

const covers = (general, specific) => specific === general || specific.startsWith(general + ".");

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value; else node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function notice(text, isError = false) {
  const box = document.getElementById("notice");
  box.textContent = text;
  box.className = isError ? "error" : "";
}

// Asks before anything irreversible or heavy; resolves true when the person confirms.
function confirmWith(title, text, okLabel, danger = false, details = null) {
  const dialog = document.getElementById("confirm");
  dialog.querySelector("[data-title]").textContent = title;
  dialog.querySelector("[data-text]").textContent = text;
  dialog.querySelector("[data-plan]").replaceChildren(...(details ? [details] : []));
  const ok = dialog.querySelector("[data-ok]");
  ok.textContent = okLabel;
  ok.className = danger ? "danger" : "primary";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }));
}

function source(s) {
  if (!s) return "—";
  const parts = [s.system, s.channel].filter((x) => x && x !== "unknown");
  const when = s.collected_at ? " · " + s.collected_at.slice(0, 10) : "";
  return (parts.length ? parts.join(" / ") : s.detail || "unknown") + when;
}

function consentSwitch(consent, categoryLabel) {
  const input = el("input", { type: "checkbox", role: "switch", "data-category": consent.category, "data-purpose": consent.purpose,
                              "aria-label": `${consent.use} (${consent.category})` });
  input.checked = consent.granted;
  const state = el("span", { class: "state", text: consent.status + (consent.expires ? ` · until ${consent.expires}` : "") });
  input.addEventListener("change", async () => {
    input.disabled = true;
    try {
      const path = `/v1/me/consents/${encodeURIComponent(consent.category)}/${encodeURIComponent(consent.purpose)}`;
      const result = await (await Session.api(path, { method: "PUT", json: { granted: input.checked } })).json();
      notice(result.done ? result.done + (result.receipt ? ` (receipt ${result.receipt})` : "") : "saved");
      await load();
    } catch (error) {
      input.checked = !input.checked;
      notice("Could not change it: " + error.message, true);
    } finally {
      input.disabled = false;
    }
  });
  const scope = categoryLabel && consent.what !== categoryLabel ? ` (for all your ${consent.what})` : "";
  return el("label", { class: "switch" }, input, el("span", { text: consent.use + scope }), state);
}

function categoryCard(key, entry, consents) {
  const rows = entry.values.map((v) => el("tr", {}, el("td", { text: v.field }), el("td", { text: v.value ?? "—" }),
                                          el("td", { text: source(v.source) }), el("td", { text: v.legal_basis })));
  const table = el("table", {}, el("thead", {}, el("tr", {}, ...["Field", "Value", "Source", "Basis"].map((h) => el("th", { text: h })))),
                   el("tbody", {}, ...rows));
  const facts = el("dl", {},
    el("dt", { text: "Used for" }), el("dd", { text: entry.purposes.length ? entry.purposes.join(", ") : "nothing beyond keeping it" }),
    el("dt", { text: "Shared with" }), el("dd", { text: entry.shared_with.length ? entry.shared_with.join(", ") : "no one" }),
    el("dt", { text: "Expires" }), el("dd", { text: entry.expires || "no set date" }));
  const switches = consents.filter((c) => covers(c.category, key)).map((c) => consentSwitch(c, entry.what));
  return el("article", { class: "card", "data-category": key },
    el("h2", {}, entry.what, el("small", { text: key })), table, facts,
    switches.length ? el("div", {}, el("div", { class: "muted", text: "Your choices" }), ...switches) : null);
}

async function load() {
  const [data, consents] = await Promise.all([
    Session.api("/v1/me/data").then((r) => r.json()),
    Session.api("/v1/me/consents").then((r) => r.json()).then((r) => r.consents),
  ]);
  const keys = Object.keys(data);
  document.getElementById("categories").replaceChildren(...keys.map((k) => categoryCard(k, data[k], consents)));
  const scopes = document.getElementById("erase-scope");
  const labels = { "user.behavior.purchase_history": "purchase history", "user.behavior.interaction": "notes, calls and cases" };
  for (const k of keys) labels[k] = data[k].what;
  scopes.replaceChildren(el("option", { value: "user", text: "everything" }),
    ...Object.entries(labels).map(([k, what]) => el("option", { value: k, text: what })));
  const other = consents.filter((c) => !keys.some((k) => covers(c.category, k)));
  document.getElementById("other-title").hidden = other.length === 0;
  document.getElementById("other").replaceChildren(...other.map((c) =>
    el("article", { class: "card", "data-category": c.category }, el("h2", {}, c.what, el("small", { text: c.category })),
       consentSwitch(c, null))));
}

async function exportData() {
  if (!await confirmWith("Export your data?", "You will download a ZIP file with everything we hold about you, " +
                         "with where each item came from and what it is used for.", "Download")) return;
  const response = await Session.api("/v1/me/export.zip");
  const blob = await response.blob();
  const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/)?.[1] || "my-data.zip";
  const link = el("a", { href: URL.createObjectURL(blob), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  notice(`Downloaded ${name} (${blob.size} bytes).`);
}

// The plan, as the person reads it before saying yes: what goes, where, how many; what is kept and why.
function planDetails(plan) {
  const rows = plan.changes.map((c) => el("tr", {}, el("td", { text: c.what }), el("td", { text: String(c.count) })));
  const table = el("table", { "data-changes": "" }, el("thead", {}, el("tr", {}, el("th", { text: "What goes" }), el("th", { text: "How many" }))),
                   el("tbody", {}, ...rows));
  const kept = el("ul", { class: "kept" }, ...plan.kept.map((k) => el("li", { text: `Kept: ${k.what} (${k.rule})` })));
  return el("div", {}, table, kept);
}

async function eraseData() {
  const scope = document.getElementById("erase-scope").value;
  const plan = await (await Session.api("/v1/me/erasure/plan", { method: "POST", json: { category: scope } })).json();
  const everything = scope === "user";
  if (!await confirmWith(everything ? "Delete all your personal data?" : `Delete your ${plan.what}?`, plan.summary,
                         everything ? "Delete everything" : `Delete my ${plan.what}`, true, planDetails(plan))) {
    notice("Nothing was deleted.");
    return;
  }
  const response = await Session.api("/v1/me/erasure", { method: "POST", json: { category: scope, plan_id: plan.plan_id } });
  const result = await response.json();
  if (!everything) {
    notice(`Your ${plan.what} was erased (request ${result.request}).`);
    await load();
    return;
  }
  // The login itself is anonymised by erasure, so this session ends here.
  Session.forget();
  document.getElementById("categories").replaceChildren();
  document.getElementById("other").replaceChildren();
  document.getElementById("other-title").hidden = true;
  for (const id of ["export", "erase"]) document.getElementById(id).disabled = true;
  notice("Your personal data was erased" + (result.request ? ` (request ${result.request})` : "") +
         ". This session has ended; nothing about you is shown any more.");
}

function guarded(action) {
  return () => action().catch((error) => notice(error.message, true));
}

document.addEventListener("DOMContentLoaded", () => {
  Session.setup((me) => {
    if (me.role !== "customer") { document.getElementById("not-customer").hidden = false; return; }
    document.getElementById("center").hidden = false;
    load().catch((error) => notice(error.message, true));
  });
  if (!sessionStorage.getItem("tessera.token")) document.getElementById("signin").hidden = false;
  document.getElementById("export").addEventListener("click", guarded(exportData));
  document.getElementById("erase").addEventListener("click", guarded(eraseData));
});
