// One follow-up case: its alerts with their pictures, notes, owner and due date, timeline;
// add a note or an alert, change owner or due date, close with a result.
"use strict";

(() => {
  const { t, el, api, boot, fmtTime } = NW;
  const base = "/api/v1/cases/" + encodeURIComponent(boot.case_id);

  function describe(entry) {
    const details = entry.details || {};
    if (entry.action === "case.open") return t("case_kind." + details.kind) + " · " + details.owner;
    if (entry.action === "case.alert_added") return details.alert_id;
    if (entry.action === "case.reassign") return details.previous + " → " + details.owner;
    if (entry.action === "case.due_changed") return fmtTime(details.previous) + " → " + fmtTime(details.due_at);
    if (entry.action === "case.note") return details.text;
    if (entry.action === "case.close") return details.result;
    if (entry.action === "case.escalate") return t("case.escalated");
    return details.url || "";
  }

  function alertCard(alert) {
    // Pictures for those who may see evidence; a patrol follows its case from the facts.
    const snapshot = boot.can_see_evidence && alert.evidence.some((item) => item.kind.startsWith("snapshot"));
    return el(boot.can_see_evidence ? "a" : "div", { class: "case-alert" + (snapshot ? "" : " no-picture"),
      href: boot.can_see_evidence ? alert.url : null, "data-alert": alert.id },
      snapshot ? el("img", { src: alert.snapshot_url, alt: alert.rule, loading: "lazy" }) : null,
      el("span", { text: fmtTime(alert.started_at) + " · " + alert.rule + " · " + alert.location }),
      alert.disposition.outcome ? el("span", { class: "muted", text: t("outcome." + alert.disposition.outcome) }) : null);
  }

  function render(item) {
    document.getElementById("case-title").textContent = item.title;
    document.getElementById("case-kind").textContent = t("case_kind." + item.kind);
    const state = document.getElementById("case-state");
    state.textContent = item.overdue ? t("case.overdue") : t("case." + item.state);
    state.className = "badge " + (item.overdue ? "open" : item.state === "closed" ? "done" : "seen");
    document.getElementById("case-due").textContent = t("case.due") + " " + fmtTime(item.due_at);
    const facts = [
      ["case.owner", item.owner], ["case.opened_by", item.opened_by], ["case.opened_at", fmtTime(item.opened_at)],
      ["case.due", fmtTime(item.due_at)], ["case.escalated_at", fmtTime(item.escalated_at)],
      ["case.closed_at", fmtTime(item.closed_at)], ["case.result", item.result || "—"],
    ];
    document.getElementById("case-facts").replaceChildren(
      ...facts.flatMap(([key, value]) => [el("dt", { text: t(key) }), el("dd", { text: value })]));
    document.getElementById("case-alerts").replaceChildren(...item.alerts.map(alertCard));
    const notes = item.notes.map((note) => el("li", {},
      el("span", { class: "when", text: fmtTime(note.at) }), el("span", { text: note.actor }),
      el("span", { text: note.text })));
    document.getElementById("case-notes").replaceChildren(
      ...(notes.length ? notes : [el("li", { class: "muted", text: t("case.no_notes") })]));
    document.getElementById("case-timeline").replaceChildren(...item.timeline.map((entry) => el("li", {},
      el("span", { class: "when", text: fmtTime(entry.at) }),
      el("span", { class: "act-human", text: t("action." + entry.action) }),
      el("span", { text: entry.actor + (describe(entry) ? " · " + describe(entry) : "") }))));
    const actions = document.getElementById("case-actions");
    if (actions) actions.hidden = item.state === "closed";
    const noteForm = document.getElementById("note-form");
    if (noteForm) noteForm.hidden = item.state === "closed";
    const owner = document.getElementById("change-owner");
    if (owner && !owner.value) owner.placeholder = item.owner;
  }

  async function load() {
    render(await api(base));
  }

  async function send(path, method, body, form) {
    try {
      await api(path, { method, body });
      if (form) form.reset();
      await load();
    } catch (error) { NW.failed(error); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const on = (id, handler) => {
      const form = document.getElementById(id);
      if (form) form.addEventListener("submit", (event) => { event.preventDefault(); handler(form); });
    };
    on("note-form", (form) => send(base + "/notes", "POST", { text: form.elements.text.value.trim() }, form));
    on("add-alert-form", (form) => send(base + "/alerts", "POST", { alert_id: form.elements.alert_id.value.trim() }, form));
    on("close-form", (form) => send(base + "/close", "POST", { result: form.elements.result.value.trim() }, form));
    on("change-form", (form) => {
      const body = {};
      if (form.elements.owner.value.trim()) body.owner = form.elements.owner.value.trim();
      if (form.elements.due_at.value) body.due_at = new Date(form.elements.due_at.value).toISOString();
      send(base, "PATCH", body, form);
    });
    load().catch(NW.failed);
  });
})();
