// Dark mode from the system setting: Bootstrap 5.3's color modes follow data-bs-theme. Loaded
// in <head> without defer, so the page is painted in the right colours (and knows it has
// JavaScript) from the start.
(function () {
  "use strict";
  // What only works with JavaScript (the composer's "Enter sends") is shown only with it.
  document.documentElement.classList.add("js");
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query.matches ? "dark" : "light");
  }
  apply();
  query.addEventListener("change", apply);
})();
