// Sign-in by API token, shared by the pages: the token stays in this tab's sessionStorage only, and it alone
// says who is calling (no request names a user).
"use strict";

const Session = (() => {
  const KEY = "tessera.token";
  let me = null;

  function token() { return sessionStorage.getItem(KEY) || ""; }

  async function api(path, options = {}) {
    const headers = Object.assign({ "Authorization": "Bearer " + token() }, options.headers || {});
    if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      options = Object.assign({}, options, { body: JSON.stringify(options.json) });
    }
    const response = await fetch(path, Object.assign({}, options, { headers }));
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (e) { /* not JSON */ }
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return response;
  }

  // A fresh Idempotency-Key for one request: sending it again returns the first answer, never a second turn.
  function newKey() {
    if (crypto.randomUUID) { return crypto.randomUUID(); }
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function signIn(value) {
    sessionStorage.setItem(KEY, value.trim());
    try {
      me = await (await api("/v1/whoami")).json();
    } catch (error) {
      sessionStorage.removeItem(KEY);
      me = null;
      throw error;
    }
    return me;
  }

  function forget() { sessionStorage.removeItem(KEY); me = null; }

  function signOut() { forget(); location.reload(); }

  // Wires the sign-in form of a page; calls onSignedIn(me) once a token is accepted.
  function setup(onSignedIn) {
    const form = document.getElementById("signin");
    const status = document.getElementById("signin-status");
    const who = document.getElementById("who");
    const done = (user) => {
      form.hidden = true;
      who.hidden = false;
      who.querySelector("[data-login]").textContent = user.login;
      who.querySelector("[data-role]").textContent = user.role;
      onSignedIn(user);
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      status.textContent = "Checking…";
      try {
        done(await signIn(form.elements.token.value));
        status.textContent = "";
      } catch (error) {
        status.textContent = "Sign-in failed: " + error.message;
      }
    });
    who.querySelector("button").addEventListener("click", signOut);
    if (token()) { signIn(token()).then(done).catch(() => { form.hidden = false; }); }
  }

  return { api, setup, newKey, forget, get me() { return me; } };
})();
