// One alert: snapshot, clip, facts, dispatches and timeline; acknowledge, resolve, dispatch.
"use strict";

(() => {
  const { t, el, api, boot, fmtTime, sevChip } = NW;
  const base = "/api/v1/alerts/" + encodeURIComponent(boot.alert_id);
  let clipShown = false;

  function actionLabel(action) {
    if (action.startsWith("dispatch.")) {
      const state = "dispatch." + action.slice(9);
      return t("action.dispatch") + " · " + (t(state) === state ? action.slice(9) : t(state));
    }
    return t("action." + action);
  }

  function actorName(actor) {
    return actor === "system" ? t("actor.system") : actor;
  }

  function describe(entry) {
    const details = entry.details || {};
    if (entry.action === "alert.resolve") return t("outcome." + details.outcome) + (details.note ? " — " + details.note : "");
    if (entry.action === "evidence.add" || entry.action === "evidence.view") return t("evidence." + details.kind);
    if (entry.action === "alert.category") return details.category || "";
    if (entry.action.startsWith("dispatch.")) {
      return [details.team, details.outcome ? t("outcome." + details.outcome) : null, details.note]
        .filter(Boolean).join(" · ");
    }
    return details.note || "";
  }

  function renderHead(alert) {
    const head = document.getElementById("head-severity");
    head.replaceWith(Object.assign(sevChip(alert.severity), { id: "head-severity" }));
    document.getElementById("head-title").textContent = alert.rule + " · " + alert.location;
    const state = document.getElementById("head-state");
    state.textContent = t("alert." + alert.state);
    state.className = "badge " + (alert.state === "open" ? "open" : "");
    const done = alert.disposition.resolved_by;
    const seen = alert.disposition.acknowledged_by;
    const badge = document.getElementById("head-disposition");
    badge.textContent = done ? t("alert.resolved") + " · " + t("outcome." + alert.disposition.outcome)
      : seen ? t("alert.acknowledged") + " · " + seen : t("alert.unhandled");
    badge.className = "badge " + (done ? "done" : seen ? "seen" : "open");
    badge.id = "head-disposition";
    document.getElementById("head-started").textContent = fmtTime(alert.started_at);
  }

  function renderMedia(alert) {
    const snapshot = document.getElementById("snapshot");
    const hasSnapshot = alert.evidence.some((item) => item.kind.startsWith("snapshot"));
    if (hasSnapshot && !snapshot.src) snapshot.src = alert.snapshot_url;
    snapshot.hidden = !hasSnapshot;
    document.getElementById("no-snapshot").hidden = hasSnapshot;
    const clip = document.getElementById("clip");
    if (alert.clip_url && !clipShown) { clip.src = alert.clip_url; clipShown = true; }
    clip.hidden = !alert.clip_url;
    document.getElementById("no-clip").hidden = Boolean(alert.clip_url);
  }

  function renderFacts(alert) {
    const facts = [
      ["alert.camera", alert.camera], ["alert.location", alert.location], ["alert.rule", alert.rule],
      ["alert.zone", alert.zone], ["alert.objects", String(alert.objects)],
      ["alert.started", fmtTime(alert.started_at)], ["alert.ended_at", fmtTime(alert.ended_at)],
    ];
    document.getElementById("facts").replaceChildren(
      ...facts.flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]));
  }

  function dispatchCard(dispatch) {
    const open = !["resolved", "cancelled"].includes(dispatch.state);
    const steps = el("ol", { class: "steps" }, dispatch.history.map((step) =>
      el("li", { text: fmtTime(step.at).slice(-8) + " " + t("dispatch." + step.state) + " · " + step.actor +
        (step.outcome ? " · " + t("outcome." + step.outcome) : "") + (step.note ? " — " + step.note : "") })));
    const card = el("div", { class: "dispatch-card", "data-dispatch": dispatch.id, "data-state": dispatch.state },
      el("div", {}, el("strong", { text: dispatch.team }), " ",
        el("span", { class: "badge " + (open ? "seen" : "done"), text: t("dispatch." + dispatch.state) })),
      steps);
    if (open && boot.can_dispatch) {
      card.append(el("button", { class: "btn btn-quiet", type: "button", text: t("dispatch.cancel"),
        onclick: () => act("/api/v1/dispatches/" + encodeURIComponent(dispatch.id) + "/cancel", {}) }));
    }
    return card;
  }

  function renderDispatches(alert) {
    const box = document.getElementById("dispatches");
    const cards = alert.dispatches.map(dispatchCard);
    box.replaceChildren(...(cards.length ? cards : [el("p", { class: "muted", text: t("dispatch.none") })]));
  }

  function renderTimeline(alert) {
    const human = (action) => action.startsWith("alert.acknowledge") || action.startsWith("alert.resolve");
    const items = alert.timeline.map((entry) => el("li", {},
      el("span", { class: "when", text: fmtTime(entry.at) }),
      el("span", { class: entry.action.startsWith("dispatch.") ? "act-dispatch" : human(entry.action) ? "act-human" : "",
        text: actionLabel(entry.action) }),
      el("span", { text: actorName(entry.actor) + (describe(entry) ? " · " + describe(entry) : "") })));
    document.getElementById("timeline").replaceChildren(...items);
  }

  function renderActions(alert) {
    const ack = document.getElementById("ack");
    if (!ack) return;
    ack.disabled = Boolean(alert.disposition.acknowledged_by);
    ack.textContent = t(ack.disabled ? "alert.acknowledged" : "alert.acknowledge");
    document.getElementById("resolve").disabled = Boolean(alert.disposition.resolved_by);
    document.getElementById("tuning-propose").hidden = alert.disposition.outcome !== "false_alarm";
  }

  async function propose(kind) {
    try {
      const note = document.getElementById("resolve-note").value.trim();
      await api(base + "/proposals", { method: "POST", body: { kind, reason: note || null } });
      NW.toast(t("tuning.proposed"));
      await load();
    } catch (error) { NW.failed(error); }
  }

  function renderCase(alert) {
    const link = document.getElementById("case-link");
    link.hidden = !alert.case_url;
    if (alert.case_url) link.href = alert.case_url;
  }

  // Referred and needs-follow-up open a case (or join an open one): ask for its details.
  async function showCaseFields(form) {
    const fields = document.getElementById("case-fields");
    fields.hidden = !boot.case_outcomes.includes(form.elements.outcome.value);
    if (fields.hidden || fields.dataset.loaded) return;
    fields.dataset.loaded = "1";
    const { items } = await api("/api/v1/cases?state=open");
    document.getElementById("resolve-case").append(
      ...items.map((item) => el("option", { value: item.id, text: item.title + " · " + item.owner })));
  }

  function resolveBody(form) {
    const note = form.elements.note.value.trim();
    const body = { outcome: form.elements.outcome.value, note: note || null };
    if (!boot.case_outcomes.includes(body.outcome)) return body;
    if (form.elements.case_id.value) {
      body.case_id = form.elements.case_id.value;
      return body;
    }
    const opening = {};
    if (form.elements.case_owner.value.trim()) opening.owner = form.elements.case_owner.value.trim();
    if (form.elements.case_due.value) opening.due_at = new Date(form.elements.case_due.value).toISOString();
    if (form.elements.case_title.value.trim()) opening.title = form.elements.case_title.value.trim();
    body.case = opening;
    return body;
  }

  let retry = null;

  async function load() {
    const alert = await api(base);
    // The clip is written when the alert ends (and a little after): look again until it is.
    clearTimeout(retry);
    if (!alert.clip_url) retry = setTimeout(() => load().catch(NW.failed), 3000);
    renderHead(alert);
    renderMedia(alert);
    renderFacts(alert);
    renderDispatches(alert);
    renderTimeline(alert);
    renderActions(alert);
    renderCase(alert);
  }

  async function act(path, body) {
    try {
      await api(path, { method: "POST", body });
      await load();
    } catch (error) { NW.failed(error); }
  }

  async function loadTeams() {
    const select = document.getElementById("dispatch-team");
    if (!select) return;
    const { teams } = await api("/api/v1/teams");
    select.replaceChildren(...teams.map((team) => el("option", { value: team, text: team })));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const ack = document.getElementById("ack");
    if (ack) ack.addEventListener("click", () => act(base + "/acknowledge", {}));
    const resolve = document.getElementById("resolve-form");
    if (resolve) {
      resolve.elements.outcome.addEventListener("change", () => showCaseFields(resolve).catch(NW.failed));
      resolve.addEventListener("submit", (event) => {
        event.preventDefault();
        act(base + "/resolve", resolveBody(resolve));
      });
    }
    for (const button of document.querySelectorAll("#tuning-propose button[data-kind]")) {
      button.addEventListener("click", () => propose(button.dataset.kind));
    }
    const dispatch = document.getElementById("dispatch-form");
    if (dispatch) dispatch.addEventListener("submit", (event) => {
      event.preventDefault();
      act(base + "/dispatch", { team: dispatch.elements.team.value });
    });
    load().catch(NW.failed);
    loadTeams().catch(NW.failed);
    const mine = (message) => (message.id || message.alert_id) === boot.alert_id;
    NW.live({
      alert: (message) => { if (mine(message)) load().catch(NW.failed); },
      disposition: (message) => { if (mine(message)) load().catch(NW.failed); },
      dispatch: (message) => { if (message.alert_id === boot.alert_id) load().catch(NW.failed); },
    });
  });
})();
