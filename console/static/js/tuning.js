// Tuning proposals from false alarms: what each would change; an admin applies or dismisses.
"use strict";

(() => {
  const { t, el, api, fmtTime } = NW;

  function describe(proposal) {
    const change = proposal.change;
    if (change.mask) return t("tuning.kind.mask") + " " + JSON.stringify(change.mask);
    if (change.min_area_px) return t("tuning.kind.min_area") + " ≥ " + change.min_area_px + " px²";
    return t("tuning.kind.confidence") + " " + change.was + " → " + change["detect.confidence"];
  }

  function decide(proposal, action) {
    return async () => {
      try {
        await api("/api/v1/proposals/" + proposal.id + "/" + action, { method: "POST", body: {} });
        NW.toast(t("tuning_done." + action));
      } catch (error) { NW.failed(error); }
      await load();
    };
  }

  function row(proposal) {
    const waiting = proposal.state === "proposed";
    return el("tr", { "data-proposal": proposal.id, "data-state": proposal.state },
      el("td", { text: fmtTime(proposal.proposed_at) + " · " + proposal.proposed_by }),
      el("td", { text: proposal.camera }), el("td", { text: proposal.rule }),
      el("td", { text: describe(proposal) }), el("td", { text: proposal.reason || "—" }),
      el("td", { text: t("tuning_state." + proposal.state) }),
      el("td", {}, waiting ? [
        el("button", { class: "btn btn-ok", type: "button", text: t("tuning.apply"), onclick: decide(proposal, "apply") }),
        el("button", { class: "btn btn-quiet", type: "button", text: t("tuning.dismiss"), onclick: decide(proposal, "dismiss") }),
      ] : []));
  }

  async function load() {
    const result = await api("/api/v1/proposals");
    document.getElementById("tuning-rows").replaceChildren(...result.items.map(row));
    document.getElementById("tuning-empty").hidden = result.items.length > 0;
    document.getElementById("tuning-file").textContent = result.applies_to
      ? t("tuning.applies_to") + " " + result.applies_to : t("tuning.by_hand");
  }

  document.addEventListener("DOMContentLoaded", () => load().catch(NW.failed));
})();
