// The wall's map: cameras (coloured by status, ringed while an alert is open) and each patrol
// team's last position with its age, over the site's own tiles (Web Mercator) or site plan.
// Everything comes from this console or the configured tile server: nothing from elsewhere.
"use strict";

(() => {
  const { t, el, api } = NW;
  const TILE = 256; // pixels per tile, as tile servers serve them
  const REFRESH_MS = 5000;
  let view = null; // {map, zoom, center}: what is drawn
  let fetchedAt = 0; // Date.now() when `view.map` arrived (ages count on from it)

  // Web Mercator: world pixels at `zoom` of a point in degrees.
  function project(lat, lon, zoom) {
    const scale = TILE * 2 ** zoom;
    const sin = Math.sin((Math.max(-85.0511, Math.min(85.0511, lat)) * Math.PI) / 180);
    return {
      x: ((lon + 180) / 360) * scale,
      y: (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale,
    };
  }

  function ago(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) return t("map.ago_s").replace("{n}", s);
    if (s < 3600) return t("map.ago_min").replace("{n}", Math.floor(s / 60));
    return t("map.ago_h").replace("{n}", Math.floor(s / 3600));
  }

  function middle(map) {
    if (map.center) return map.center;
    const placed = map.cameras.filter((camera) => camera.position && camera.position.lat !== null);
    if (!placed.length) return { lat: 0, lon: 0 };
    const sum = placed.reduce((acc, c) => ({ lat: acc.lat + c.position.lat, lon: acc.lon + c.position.lon }), { lat: 0, lon: 0 });
    return { lat: sum.lat / placed.length, lon: sum.lon / placed.length };
  }

  // Where a point goes, as fractions of the stage (plan) or pixels of the stage (tiles); null: not drawable.
  function place(point, map, stage) {
    if (!point) return null;
    if (map.kind === "plan") {
      if (point.x !== null && point.x !== undefined) return { left: point.x * 100 + "%", top: point.y * 100 + "%" };
      const b = map.bounds;
      if (!b || point.lat === null || point.lat === undefined) return null;
      const x = (point.lon - b.west) / (b.east - b.west);
      const y = (b.north - point.lat) / (b.north - b.south);
      if (x < 0 || x > 1 || y < 0 || y > 1) return null;
      return { left: x * 100 + "%", top: y * 100 + "%" };
    }
    if (point.lat === null || point.lat === undefined) return null;
    const origin = topLeft(stage);
    const at = project(point.lat, point.lon, view.zoom);
    const left = at.x - origin.x;
    const top = at.y - origin.y;
    if (left < 0 || top < 0 || left > stage.clientWidth || top > stage.clientHeight) return null;
    return { left: left + "px", top: top + "px" };
  }

  function topLeft(stage) {
    const middlePx = project(view.center.lat, view.center.lon, view.zoom);
    return { x: middlePx.x - stage.clientWidth / 2, y: middlePx.y - stage.clientHeight / 2 };
  }

  function drawTiles(stage, map) {
    const layer = document.getElementById("map-tiles");
    const origin = topLeft(stage);
    const count = 2 ** view.zoom;
    const images = [];
    for (let ty = Math.floor(origin.y / TILE); ty * TILE < origin.y + stage.clientHeight; ty += 1) {
      if (ty < 0 || ty >= count) continue;
      for (let tx = Math.floor(origin.x / TILE); tx * TILE < origin.x + stage.clientWidth; tx += 1) {
        const wrapped = ((tx % count) + count) % count;
        const src = map.tiles.replace("{z}", view.zoom).replace("{x}", wrapped).replace("{y}", ty);
        // Set through the CSSOM: the pages' CSP refuses inline style attributes.
        const tile = el("img", { class: "map-tile", src, alt: "", draggable: "false" });
        tile.style.left = tx * TILE - origin.x + "px";
        tile.style.top = ty * TILE - origin.y + "px";
        images.push(tile);
      }
    }
    layer.replaceChildren(...images);
  }

  // The plan keeps its proportions: the stage is the largest box of its shape that fits.
  function fitPlan(stage, image) {
    const box = document.getElementById("map");
    const scale = Math.min(box.clientWidth / image.naturalWidth, box.clientHeight / image.naturalHeight);
    stage.style.width = image.naturalWidth * scale + "px";
    stage.style.height = image.naturalHeight * scale + "px";
  }

  function marker(kind, id, label, classes, where, title) {
    const node = el("div", { class: `map-marker ${kind} ${classes}`, [`data-${kind}`]: id, title },
      el("span", { class: "dot" }), el("span", { class: "label", text: label }));
    node.style.left = where.left;
    node.style.top = where.top;
    return node;
  }

  function drawMarkers() {
    const { map } = view;
    const stage = document.getElementById("map-stage");
    const elapsed = (Date.now() - fetchedAt) / 1000;
    const nodes = [];
    for (const camera of map.cameras) {
      const where = place(camera.position, map, stage);
      if (!where) continue;
      const alerting = camera.open_alerts > 0;
      const label = alerting ? `${camera.name} (${camera.open_alerts})` : camera.name;
      const title = `${camera.location} · ${t("camera." + camera.state)}` +
        (alerting ? ` · ${camera.open_alerts} ${t("map.open_alerts")}` : "");
      nodes.push(marker("camera", camera.name, label, `state-${camera.state}${alerting ? " alerting" : ""}`, where, title));
    }
    const list = [];
    for (const team of map.teams) {
      const age = ago(team.age_s + elapsed);
      const where = place({ lat: team.lat, lon: team.lon }, map, stage);
      const stale = team.age_s + elapsed > 600;
      if (where) nodes.push(marker("team", team.team, `${team.name} · ${age}`, stale ? "stale" : "", where, team.member));
      list.push(el("li", { "data-team": team.team, class: stale ? "stale" : "" },
        el("strong", { text: team.name }), " ", el("span", { class: "muted age", text: age }),
        where ? null : el("span", { class: "muted", text: " · " + t("map.unplaced") })));
    }
    document.getElementById("map-markers").replaceChildren(...nodes);
    document.getElementById("map-teams").replaceChildren(...list);
    document.getElementById("map-no-teams").hidden = map.teams.length > 0;
  }

  function drawAll() {
    const stage = document.getElementById("map-stage");
    if (view.map.kind === "tiles") drawTiles(stage, view.map);
    drawMarkers();
  }

  async function refresh() {
    const map = await api("/api/v1/map");
    fetchedAt = Date.now();
    view.map = map;
    drawMarkers();
  }

  function zoomBy(step) {
    view.zoom = Math.max(0, Math.min(22, view.zoom + step));
    drawAll();
  }

  async function start() {
    const map = await api("/api/v1/map");
    fetchedAt = Date.now();
    if (!map.kind) return; // no site.map configured: the wall has no map
    document.getElementById("map-panel").hidden = false;
    document.getElementById("map-attribution").textContent = map.attribution;
    view = { map, zoom: map.zoom, center: middle(map) };
    const stage = document.getElementById("map-stage");
    stage.classList.add(map.kind);
    if (map.kind === "plan") {
      const image = el("img", { class: "map-plan", id: "map-plan", src: map.plan_url, alt: t("map.title") });
      image.addEventListener("load", () => { fitPlan(stage, image); drawMarkers(); });
      image.addEventListener("error", () => NW.toast(t("map.title") + ": " + t("camera.no_picture")));
      document.getElementById("map-tiles").replaceChildren(image);
      window.addEventListener("resize", () => { if (image.naturalWidth) fitPlan(stage, image); });
    } else {
      document.getElementById("map-zoom").hidden = false;
      document.getElementById("map-zoom-in").addEventListener("click", () => zoomBy(1));
      document.getElementById("map-zoom-out").addEventListener("click", () => zoomBy(-1));
      window.addEventListener("resize", drawAll);
      drawAll();
    }
    setInterval(() => refresh().catch(NW.failed), REFRESH_MS);
    setInterval(drawMarkers, 1000); // ages count on between refreshes
    window.nwMapReady = true; // tests wait for it
  }

  document.addEventListener("DOMContentLoaded", () => start().catch(NW.failed));
})();
