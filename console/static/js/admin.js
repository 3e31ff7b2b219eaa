// Users: list, create (the one-time password and token are shown once), disable.
"use strict";

(() => {
  const { t, el, api, boot } = NW;

  function row(user) {
    const disable = el("button", { class: "btn btn-quiet", type: "button", text: t("admin.disable"),
      disabled: user.disabled || user.name === boot.user.name,
      onclick: async () => {
        try {
          await api("/api/v1/users/" + encodeURIComponent(user.name) + "/disable", { method: "POST" });
          await load();
        } catch (error) { NW.failed(error); }
      } });
    return el("tr", { "data-user": user.name },
      el("td", { text: user.name }), el("td", { text: t("role." + user.role) }),
      el("td", { text: user.team || "—" }),
      el("td", { text: t(user.disabled ? "admin.disabled" : "admin.active") }), el("td", {}, disable));
  }

  async function load() {
    const users = await api("/api/v1/users");
    document.getElementById("user-rows").replaceChildren(...users.map(row));
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("user-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { name: form.elements.name.value.trim(), role: form.elements.role.value,
        team: form.elements.team.value.trim() || null };
      try {
        const created = await api("/api/v1/users", { method: "POST", body });
        const box = document.getElementById("created");
        box.replaceChildren(
          el("div", { text: t("admin.password_once") + ": " + created.password }),
          el("div", { text: t("admin.token_once") + ": " + created.token }));
        box.hidden = false;
        form.reset();
        await load();
      } catch (error) { NW.failed(error); }
    });
    load().catch(NW.failed);
  });
})();
