// The printable meeting prep card: /web/prep?account=NAME (or ?brief=1 for the daily brief).
"use strict";

async function showPrep() {
  const params = new URLSearchParams(location.search);
  const status = document.getElementById("prep-status");
  const holder = document.getElementById("card");
  try {
    const account = params.get("account");
    const card = account ? RepDay.prepCard(await RepDay.prep(account)) : RepDay.brief(await RepDay.daily());
    holder.replaceChildren(card);
    status.textContent = account ? "meeting prep · " + account : "daily brief";
  } catch (error) {
    status.textContent = "Sorry: " + error.message;
  }
}

document.addEventListener("DOMContentLoaded", () => {
  Session.setup(() => {
    document.getElementById("prep").hidden = false;
    showPrep();
  });
  if (!sessionStorage.getItem("tessera.token")) document.getElementById("signin").hidden = false;
  document.getElementById("print").addEventListener("click", () => window.print());
});
