// The patrol phone shares the team's position while the member says so ("share my position
// while on duty") and the team is on duty: the server refuses it off duty (409) and the page
// says so. Switching it off stops the phone's location and drops the team's last position.
"use strict";

(() => {
  const { t, api } = NW;
  const REMEMBER = "nw_share_position"; // the member's choice, kept on this phone
  const EVERY_MS = 10000; // at most one fix per 10 s
  const OFF_DUTY_RETRY_MS = 60000;
  let watch = null;
  let latest = null;
  let dirty = false;
  let sentAt = 0;
  let quietUntil = 0;

  function say(text, refused) {
    const line = document.getElementById("share-status");
    line.textContent = text;
    line.classList.toggle("refused", Boolean(refused));
  }

  function path() {
    return "/api/v1/teams/" + encodeURIComponent(NW.boot.user.team) + "/position";
  }

  async function flush() {
    if (watch === null || !latest || !dirty) return;
    if (Date.now() < quietUntil || Date.now() - sentAt < EVERY_MS) return;
    dirty = false;
    sentAt = Date.now();
    const { coords, timestamp } = latest;
    const body = {
      lat: coords.latitude, lon: coords.longitude,
      accuracy_m: Number.isFinite(coords.accuracy) ? coords.accuracy : null,
      at: new Date(timestamp).toISOString(),
    };
    try {
      await api(path(), { method: "POST", body });
      say(t("patrol.share_sent") + " " + NW.fmtTime(body.at).slice(-8));
    } catch (error) {
      if (error.status === 409) {
        quietUntil = Date.now() + OFF_DUTY_RETRY_MS;
        dirty = true; // try again once the wait is over: the shift may have begun
        say(t("patrol.share_off_duty"), true);
      } else {
        say(t("error.generic") + ": " + error.message, true);
      }
    }
  }

  function onFix(position) {
    latest = position;
    dirty = true;
    flush();
  }

  function start() {
    if (!navigator.geolocation) { say(t("patrol.share_denied"), true); return false; }
    say(t("patrol.share_waiting"));
    watch = navigator.geolocation.watchPosition(onFix, (error) => {
      say(error.code === error.PERMISSION_DENIED ? t("patrol.share_denied") : error.message, true);
    }, { enableHighAccuracy: true, maximumAge: 5000, timeout: 30000 });
    return true;
  }

  async function stop() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
    latest = null;
    say(t("patrol.share_off"));
    await api(path(), { method: "DELETE" }).catch(NW.failed);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const toggle = document.getElementById("share-position");
    if (!toggle) return; // a patrol user without a team
    toggle.addEventListener("change", () => {
      localStorage.setItem(REMEMBER, toggle.checked ? "on" : "off");
      if (toggle.checked) start(); else stop();
    });
    if (localStorage.getItem(REMEMBER) === "on") { toggle.checked = true; start(); }
    setInterval(flush, 2000);
  });
})();
