// Shared by every page: strings, API calls, times in the site's zone, the live feed, the clock.
// Text from the server is only ever set with textContent (el()), never parsed as HTML.
"use strict";

const NW = (() => {
  const strings = JSON.parse(document.getElementById("nw-strings").textContent);
  const boot = JSON.parse(document.getElementById("nw-boot").textContent);
  const locale = boot.lang === "en" ? "en-GB" : "zh-CN";
  const timeFormat = new Intl.DateTimeFormat(locale, {
    timeZone: boot.timezone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });
  const clockFormat = new Intl.DateTimeFormat(locale, {
    timeZone: boot.timezone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false,
  });

  function t(key) {
    return Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  }

  function fmtTime(iso) {
    return iso ? timeFormat.format(new Date(iso)) : "—";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: { "X-Requested-With": "nightwatch" } };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    const response = await fetch(path, init);
    if (response.status === 401) {
      window.location.assign("/login?next=" + encodeURIComponent(location.pathname));
      throw new Error("signed out");
    }
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
      const error = new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
      error.status = response.status;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  }

  function toast(message) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.classList.add("show");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => box.classList.remove("show"), 3500);
  }

  function failed(error) {
    toast(t("error.generic") + ": " + error.message);
  }

  function sevChip(severity) {
    return el("span", { class: "sev sev-" + severity, text: t("severity." + severity) });
  }

  // handlers: {alert, camera, dispatch, disposition}; each gets the parsed JSON body.
  function live(handlers) {
    const status = document.getElementById("live-status");
    status.hidden = false;
    const source = new EventSource("/api/v1/events");
    source.onopen = () => { status.classList.add("up"); status.title = t("live.connected"); };
    source.onerror = () => { status.classList.remove("up"); status.title = t("live.lost"); };
    for (const [kind, handler] of Object.entries(handlers)) {
      source.addEventListener(kind, (event) => handler(JSON.parse(event.data)));
    }
    return source;
  }

  function startClock() {
    const clock = document.getElementById("clock");
    const tick = () => { clock.textContent = clockFormat.format(new Date()); };
    tick();
    setInterval(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    startClock();
    const logout = document.getElementById("logout");
    if (logout) {
      logout.addEventListener("click", async () => {
        await api("/api/v1/auth/logout", { method: "POST" }).catch(() => null);
        window.location.assign("/login");
      });
    }
  });

  return { t, el, api, boot, fmtTime, toast, failed, sevChip, live };
})();
