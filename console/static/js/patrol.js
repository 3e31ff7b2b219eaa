// The patrol phone page: the team's open dispatches, each with snapshot, place and next steps.
"use strict";

(() => {
  const { t, el, api, fmtTime, sevChip } = NW;
  const STEPS = ["acknowledged", "en_route", "on_scene", "resolved"];

  function actions(dispatch) {
    const index = STEPS.indexOf(dispatch.state);
    const outcome = el("select", { class: "outcome", "aria-label": t("alert.outcome") },
      NW.boot.outcomes.map((value) =>
        el("option", { value, text: t("outcome." + value) })));
    const note = el("textarea", { class: "note", rows: 2, maxlength: 1000, placeholder: t("alert.note") });
    const buttons = STEPS.map((state, position) => el("button", {
      class: "btn" + (position === index + 1 ? " next" : ""),
      type: "button",
      "data-state": state,
      disabled: position <= index,
      text: t("patrol." + state),
      onclick: () => move(dispatch, state, outcome.value, note.value.trim()),
    }));
    return el("div", { class: "card-actions" }, buttons, outcome, note);
  }

  function card(dispatch) {
    const image = el("img", { src: dispatch.snapshot_url, alt: t("alert.snapshot"), loading: "lazy" });
    image.addEventListener("error", () => { image.hidden = true; });
    return el("li", { class: "card", "data-dispatch": dispatch.id, "data-state": dispatch.state },
      image,
      el("div", { class: "card-body" },
        el("div", { class: "card-title" }, sevChip(dispatch.severity || "high"), dispatch.rule || ""),
        el("div", { class: "where" }, el("span", { class: "muted", text: t("alert.location") + " " }),
          dispatch.location || dispatch.camera || ""),
        el("div", { class: "muted" }, t("dispatch.created"), " ", fmtTime(dispatch.created_at), " · ",
          el("strong", { class: "state", text: t("dispatch." + dispatch.state) })),
        dispatch.note ? el("div", { text: dispatch.note }) : null,
        actions(dispatch)));
  }

  async function move(dispatch, state, outcome, note) {
    const body = { state, note: note || null };
    if (state === "resolved") body.outcome = outcome;
    try {
      await api("/api/v1/dispatches/" + encodeURIComponent(dispatch.id) + "/transition", { method: "POST", body });
      await load();
    } catch (error) { NW.failed(error); }
  }

  async function load() {
    const dispatches = await api("/api/v1/dispatches?open=true");
    document.getElementById("cards").replaceChildren(...dispatches.map(card));
    document.getElementById("patrol-empty").hidden = dispatches.length > 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    load().catch(NW.failed);
    NW.live({ dispatch: () => load().catch(NW.failed) });
  });
})();
