// Audit: the chain's verification, evidence export, and record search.
"use strict";

(() => {
  const { t, el, api, fmtTime } = NW;
  let beforeId = null;
  let filters = new URLSearchParams();

  async function verify() {
    const box = document.getElementById("verify-result");
    box.className = "verify-result";
    box.textContent = t("audit.verifying");
    const result = await api("/api/v1/audit/verification");
    box.className = "verify-result " + (result.ok ? "ok" : "bad");
    box.replaceChildren(
      el("strong", { text: t(result.ok ? "audit.ok" : "audit.failed") }),
      el("div", { class: "muted", text: result.records_checked + " " + t("audit.records") + " · " +
        result.files_checked + " " + t("audit.files") }),
      el("div", { class: "mono", text: t("audit.head") + " #" + result.chain_head_id + " " + result.chain_head_hash }),
      el("ul", {}, result.problems.map((problem) =>
        el("li", { text: problem.where + ": " + problem.what + " — " + problem.detail }))));
  }

  function row(record) {
    const details = JSON.stringify(record.details);
    return el("tr", { "data-audit": record.id },
      el("td", { text: String(record.id) }),
      el("td", { text: fmtTime(record.at) }),
      el("td", { text: record.actor }),
      el("td", { text: t("action." + record.action) === "action." + record.action ? record.action : t("action." + record.action) + " (" + record.action + ")" }),
      el("td", { class: "mono", text: record.target }),
      el("td", { class: "mono", text: details.length > 160 ? details.slice(0, 160) + "…" : details }),
      el("td", { class: "mono", text: record.hash.slice(0, 12) + "…" }));
  }

  async function search(reset) {
    const query = new URLSearchParams(filters);
    query.set("limit", "100");
    if (!reset && beforeId) query.set("before_id", String(beforeId));
    const page = await api("/api/v1/audit?" + query.toString());
    const body = document.getElementById("audit-rows");
    if (reset) body.replaceChildren();
    body.append(...page.items.map(row));
    beforeId = page.next_before_id;
    document.getElementById("audit-more").hidden = !beforeId;
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("verify").addEventListener("click", () => verify().catch(NW.failed));
    document.getElementById("export-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const id = document.getElementById("export-id").value.trim();
      window.location.assign("/api/v1/audit/export/" + encodeURIComponent(id));
    });
    const form = document.getElementById("audit-filters");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      filters = new URLSearchParams();
      for (const [name, value] of new FormData(form)) {
        if (!value) continue;
        filters.set(name, name === "since" || name === "until" ? new Date(value).toISOString() : value);
      }
      search(true).catch(NW.failed);
    });
    document.getElementById("audit-more").addEventListener("click", () => search(false).catch(NW.failed));
    verify().catch(NW.failed);
    search(true).catch(NW.failed);
  });
})();
