// Shift reports: one row a night, newest first; the HTML report opens, the PDF downloads.
"use strict";

(() => {
  const { t, el, api } = NW;

  function acknowledged(report) {
    const parts = Object.entries(report.acknowledged_p50_s)
      .filter(([, seconds]) => seconds !== null)
      .map(([team, seconds]) => team + " " + Math.round(seconds) + " s");
    return parts.length ? parts.join(" · ") : "—";
  }

  function row(report) {
    return el("tr", { "data-shift": report.date },
      el("td", { text: report.date + " " + report.window }),
      el("td", { text: String(report.alerts) }),
      el("td", { text: String(report.dispatches) }),
      el("td", { text: String(report.unresolved) }),
      el("td", { text: String(report.escalations) }),
      el("td", { text: acknowledged(report) }),
      el("td", { class: report.overdue_cases ? "bad" : "",
        text: report.open_cases + " / " + report.overdue_cases + " " + t("report.overdue") }),
      el("td", {},
        el("a", { class: "btn btn-quiet", href: report.html_url, target: "_blank", rel: "noopener", text: t("report.open") }),
        el("a", { class: "btn btn-quiet", href: report.pdf_url, download: "report-" + report.date + ".pdf", text: "PDF" })));
  }

  async function load() {
    const { items } = await api("/api/v1/reports");
    document.getElementById("report-rows").replaceChildren(...items.map(row));
    document.getElementById("reports-empty").hidden = items.length > 0;
  }

  document.addEventListener("DOMContentLoaded", () => load().catch(NW.failed));
})();
