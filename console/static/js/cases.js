// Follow-up cases: open, overdue or closed, by owner; soonest due first.
"use strict";

(() => {
  const { t, el, api, fmtTime } = NW;

  function row(item) {
    const state = item.overdue ? t("case.overdue") : t("case." + item.state);
    return el("tr", { class: "link" + (item.overdue ? " overdue" : ""), "data-case": item.id,
      onclick: () => window.location.assign(item.url) },
    el("td", { text: fmtTime(item.due_at) }),
    el("td", { text: item.title }),
    el("td", { text: t("case_kind." + item.kind) }),
    el("td", { text: item.owner }),
    el("td", { text: String(item.alert_ids.length) }),
    el("td", {}, el("span", { class: "badge " + (item.overdue ? "open" : item.state === "closed" ? "done" : "seen"),
      text: state })));
  }

  async function load(form) {
    const query = new URLSearchParams();
    const show = form.elements.show.value;
    if (show === "overdue") query.set("overdue", "true");
    else if (show !== "all") query.set("state", show);
    const owner = form.elements.owner.value.trim();
    if (owner) query.set("owner", owner);
    const result = await api("/api/v1/cases?" + query.toString());
    document.getElementById("case-rows").replaceChildren(...result.items.map(row));
    document.getElementById("cases-empty").hidden = result.items.length > 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("case-filters");
    const wanted = new URLSearchParams(window.location.search);
    if (wanted.get("show")) form.elements.show.value = wanted.get("show");
    if (wanted.get("owner")) form.elements.owner.value = wanted.get("owner");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      load(form).catch(NW.failed);
    });
    load(form).catch(NW.failed);
  });
})();
