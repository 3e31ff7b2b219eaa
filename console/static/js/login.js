// The login form: posts JSON, then goes where the role starts (or back to the page asked for).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const body = { name: form.elements.name.value, password: form.elements.password.value };
    const response = await fetch("/api/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Requested-With": "nightwatch" },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      error.textContent = NW.t(response.status === 429 ? "login.limited" : "login.failed");
      error.hidden = false;
      return;
    }
    const me = await response.json();
    const next = new URLSearchParams(location.search).get("next");
    // Only a path on this site: never an absolute URL someone slipped into the link.
    const safe = next && next.startsWith("/") && !next.startsWith("//") ? next : me.home;
    window.location.assign(safe);
  });
});
