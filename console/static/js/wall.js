// The control-room wall: camera tiles with live view and status, and the live alert feed.
"use strict";

(() => {
  const { t, el, api, fmtTime, sevChip } = NW;
  const tiles = new Map(); // camera name → {root, bar parts}
  const feedIds = new Set();
  let sound = false;
  let audio = null;
  window.nwBeeps = 0; // how many times the wall sounded (tests read it)

  function beep() {
    window.nwBeeps += 1;
    if (!sound) return;
    audio = audio || new AudioContext();
    const gain = audio.createGain();
    gain.gain.value = 0.2;
    gain.connect(audio.destination);
    [0, 0.25].forEach((offset) => {
      const tone = audio.createOscillator();
      tone.frequency.value = 880;
      tone.connect(gain);
      tone.start(audio.currentTime + offset);
      tone.stop(audio.currentTime + offset + 0.15);
    });
  }

  function tile(camera, useStream) {
    const picture = el("img", { alt: camera.name, src: useStream ? camera.live_url : camera.frame_url });
    const nopic = el("div", { class: "nopic", text: t("camera.no_picture"), hidden: true });
    picture.addEventListener("error", () => { picture.hidden = true; nopic.hidden = false; });
    picture.addEventListener("load", () => { picture.hidden = false; nopic.hidden = true; });
    const parts = {
      state: el("span", { class: "state" }),
      fps: el("span"), dropped: el("span"), last: el("span"),
    };
    const bar = el("div", { class: "tile-bar" },
      el("span", { class: "name", text: camera.name }),
      el("span", { class: "muted", text: camera.location }),
      parts.fps, parts.dropped, parts.last, parts.state);
    const root = el("div", { class: "tile", "data-camera": camera.name }, picture, nopic, bar);
    const entry = { root, parts, picture, useStream };
    tiles.set(camera.name, entry);
    update(camera);
    return root;
  }

  function update(camera) {
    const entry = tiles.get(camera.name);
    if (!entry) return;
    entry.root.classList.remove("online", "offline", "reconnecting", "unknown");
    entry.root.classList.add(camera.state);
    entry.parts.state.className = "state state-" + camera.state;
    entry.parts.state.textContent = t("camera." + camera.state);
    entry.parts.fps.textContent = t("camera.fps") + " " + camera.fps.toFixed(1);
    entry.parts.dropped.textContent = t("camera.dropped") + " " + camera.frames_dropped;
    const last = camera.last_frame_at ? fmtTime(camera.last_frame_at).slice(-8) : "—";
    entry.parts.last.textContent = t("camera.last_frame") + " " + last;
    entry.root.title = camera.error || camera.recording_error || "";
  }

  function feedItem(alert, fresh) {
    const item = el("li", {
      class: "feed-item sev-border-" + alert.severity + (fresh ? " fresh" : ""),
      "data-alert": alert.id,
      onclick: () => window.location.assign("/alerts/" + encodeURIComponent(alert.id)),
    },
    el("img", { src: "/api/v1/alerts/" + encodeURIComponent(alert.id) + "/snapshot", alt: "", loading: "lazy" }),
    el("div", {},
      el("div", { class: "title" }, sevChip(alert.severity), " ", alert.rule),
      el("div", {}, alert.location || alert.camera, " · ", alert.zone),
      el("div", { class: "meta" }, fmtTime(alert.started_at))));
    // The snapshot is written just after the alert is announced: ask again a few times.
    const image = item.querySelector("img");
    let tries = 0;
    image.addEventListener("error", () => {
      if (tries++ < 10) setTimeout(() => { image.src = image.src.split("?")[0] + "?try=" + tries; }, 1500);
    });
    return item;
  }

  function showAlert(alert, fresh) {
    if (feedIds.has(alert.id)) return;
    feedIds.add(alert.id);
    const list = document.getElementById("feed");
    list.prepend(feedItem(alert, fresh));
    while (list.children.length > 100) list.lastChild.remove();
    document.getElementById("feed-empty").hidden = true;
    document.getElementById("feed-count").textContent = String(feedIds.size);
    if (fresh) {
      beep();
      const entry = tiles.get(alert.camera);
      if (entry) {
        entry.root.classList.add("alarm");
        setTimeout(() => entry.root.classList.remove("alarm"), 8000);
      }
    }
  }

  function refreshStills() {
    for (const [name, entry] of tiles) {
      if (!entry.useStream) entry.picture.src = "/api/v1/cameras/" + encodeURIComponent(name) + "/frame.jpg?t=" + Date.now();
    }
  }

  async function start() {
    const cameras = await api("/api/v1/cameras");
    // A browser holds ~6 connections per site: stream up to 4 cameras, refresh stills beyond.
    const useStream = cameras.length <= 4;
    const box = document.getElementById("tiles");
    cameras.forEach((camera) => box.append(tile(camera, useStream)));
    if (!useStream) setInterval(refreshStills, 1000);
    const page = await api("/api/v1/alerts?state=open&limit=30");
    page.items.reverse().forEach((alert) => showAlert(alert, false));
    NW.live({
      alert: (message) => { if (message.type === "new") showAlert(message, true); },
      camera: update,
    });
    setInterval(async () => (await api("/api/v1/cameras")).forEach(update), 5000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("sound-toggle");
    toggle.addEventListener("click", () => {
      sound = !sound;
      if (sound) { audio = audio || new AudioContext(); audio.resume(); }
      toggle.textContent = t(sound ? "alert.sound_on" : "alert.sound_off");
      toggle.setAttribute("aria-pressed", String(sound));
    });
    start().catch(NW.failed);
  });
})();
