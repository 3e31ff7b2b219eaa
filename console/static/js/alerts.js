// Alert search: filters, newest first, "load more" pages by cursor.
"use strict";

(() => {
  const { t, el, api, fmtTime, sevChip } = NW;
  let cursor = null;
  let filters = new URLSearchParams();

  function row(alert) {
    const state = alert.disposition.resolved_by ? t("alert.resolved")
      : alert.disposition.acknowledged_by ? t("alert.acknowledged") : t("alert.unhandled");
    return el("tr", { class: "link", "data-alert": alert.id,
      onclick: () => window.location.assign(alert.url) },
    el("td", {}, sevChip(alert.severity)),
    el("td", { text: fmtTime(alert.started_at) }),
    el("td", { text: alert.location }),
    el("td", { text: alert.rule }),
    el("td", { text: alert.zone }),
    el("td", { text: t("alert." + alert.state) }),
    el("td", { text: state }));
  }

  async function page(reset) {
    const query = new URLSearchParams(filters);
    query.set("limit", "50");
    if (!reset && cursor) query.set("cursor", cursor);
    const result = await api("/api/v1/alerts?" + query.toString());
    const body = document.getElementById("alert-rows");
    if (reset) body.replaceChildren();
    body.append(...result.items.map(row));
    cursor = result.next_cursor;
    document.getElementById("more").hidden = !cursor;
    document.getElementById("alerts-empty").hidden = body.children.length > 0;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("filters");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      filters = new URLSearchParams();
      for (const [name, value] of new FormData(form)) {
        if (!value) continue;
        filters.set(name, name === "since" || name === "until" ? new Date(value).toISOString() : value);
      }
      page(true).catch(NW.failed);
    });
    document.getElementById("more").addEventListener("click", () => page(false).catch(NW.failed));
    page(true).catch(NW.failed);
  });
})();
