// Bridgehub: a little progressive enhancement. Every page works without it.
"use strict";
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
document.addEventListener("change", function (event) {
  // Filters apply as soon as a facet changes.
  var field = event.target;
  if (field.tagName === "SELECT" && field.form && field.form.classList.contains("facets")) {
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
});
// The agenda's "your time zone" field starts as the browser's own zone when the page
// still shows the event's zone and the address names none.
(function () {
  var field = document.querySelector("input[data-local-zone]");
  if (!field || /[?&]tz=/.test(window.location.search) || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone && zone !== field.value) {
    field.value = zone;
    field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
  }
})();
