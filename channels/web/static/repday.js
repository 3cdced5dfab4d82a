// The rep's day in the browser: the meeting prep card and the daily brief, drawn from /v1/rep/* as plain DOM
// (text only, never markup), inside a chat answer or on the printable page /web/prep?account=NAME.
"use strict";

const RepDay = (() => {
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function table(rows, columns) {
    const t = el("table");
    const head = el("tr");
    for (const c of columns) head.append(el("th", c.replace(/_/g, " ")));
    t.append(head);
    for (const row of rows) {
      const tr = el("tr");
      for (const c of columns) {
        const v = row[c];
        tr.append(el("td", Array.isArray(v) ? v.join("; ") : (v ?? "—")));
      }
      t.append(tr);
    }
    return t;
  }

  function section(title, rows, columns) {
    const box = el("section", undefined, "rep-section");
    box.append(el("h3", `${title} (${rows.length})`));
    box.append(rows.length ? table(rows, columns) : el("p", "—", "muted"));
    return box;
  }

  function prepCard(card) {
    const box = el("article", undefined, "rep-card prep-card");
    const r = card.record;
    box.append(el("h2", `${r.account} · ${r.industry} · ${r.city}`));
    box.append(el("p", `owner ${r.owner} · ${r.deals_open} open deals · pipeline ${r.open_pipeline}`, "muted"));
    const points = el("ol", undefined, "talking-points");
    for (const p of r.talking_points) points.append(el("li", p));
    const tp = el("section", undefined, "rep-section");
    tp.append(el("h3", "Talking points"), points);
    box.append(tp);
    box.append(section("Who we meet", card.who_we_meet, ["name", "title", "may", "not"]));
    box.append(section("Open deals", card.open_deals, ["deal", "title", "stage", "amount", "expected_close", "win", "why", "risks"]));
    box.append(section("Last interactions", card.last_interactions, ["when", "kind", "by", "subject", "said"]));
    box.append(section("Open cases", card.open_cases, ["case", "category", "priority", "status", "opened"]));
    box.append(section("Late payments", card.late_payments, ["deal", "amount", "due", "days_late", "status"]));
    box.append(section("Competitors", card.competitors, ["product", "competitor", "their_price", "our_list_price"]));
    return box;
  }

  function brief(data) {
    const box = el("article", undefined, "rep-card daily-brief");
    box.append(el("h2", data.about));
    box.append(section("What to do first", data.items, ["rank", "kind", "what", "why", "link"]));
    return box;
  }

  async function prep(account) {
    return (await Session.api("/v1/rep/prep/" + encodeURIComponent(account))).json();
  }

  async function daily() {
    return (await Session.api("/v1/rep/brief")).json();
  }

  // After a chat turn: draw the card the turn's tool produced under the answer.
  async function afterTurn(answer, toolCalls) {
    const drawn = (toolCalls || []).some((c) => c.name === "prep_meeting" || c.name === "daily_brief");
    if (drawn && answer.firstChild && answer.firstChild.nodeType === Node.TEXT_NODE) {
      answer.firstChild.textContent = answer.firstChild.textContent.split("\n")[0];  // the card shows the rest
      answer.classList.remove("tabular");
    }
    for (const call of toolCalls || []) {
      try {
        if (call.name === "prep_meeting" && call.args && call.args.account) {
          const card = prepCard(await prep(call.args.account));
          const link = el("a", "Printable card");
          link.href = "/web/prep?account=" + encodeURIComponent(call.args.account);
          card.append(link);
          answer.append(card);
        } else if (call.name === "daily_brief") {
          answer.append(brief(await daily()));
        }
      } catch (error) {
        answer.append(el("p", "The card could not be drawn: " + error.message, "error"));
      }
    }
  }

  return { prepCard, brief, prep, daily, afterTurn };
})();
