/* The catalogue's filter panel: on a narrow screen it starts closed, so the results are on the
   first screen, and it keeps the reader's open/closed choice across htmx swaps (the server
   always renders it open, which is what a wide screen and a reader without scripts get). */
(function () {
  "use strict";
  var narrow = window.matchMedia("(max-width: 55.99rem)");
  var open = !narrow.matches;

  function apply() {
    var panel = document.getElementById("facets-panel");
    if (!panel) return;
    panel.open = narrow.matches ? open : true;
    panel.ontoggle = function () {  // a property, so applying twice adds no second listener
      if (narrow.matches) open = panel.open;
    };
  }

  // "Show N results" at the end of the open panel: fold it and let the link jump.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".show-results");
    var panel = document.getElementById("facets-panel");
    if (link && panel && narrow.matches) {
      open = false;
      panel.open = false;
    }
  });

  document.addEventListener("DOMContentLoaded", apply);
  document.addEventListener("htmx:afterSwap", apply);
  narrow.addEventListener("change", apply);
})();
