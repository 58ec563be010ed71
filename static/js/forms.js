// Accessible form errors everywhere: each invalid field names its error text (aria-describedby,
// aria-invalid), and the first invalid field gets the focus so a keyboard or screen-reader user
// lands on what to fix. Crispy forms and the admin render the errors; this only links them.
(function () {
  function link() {
    var first = null;
    document.querySelectorAll("input.is-invalid, select.is-invalid, textarea.is-invalid").forEach(function (field) {
      var box = field.closest("[id^='div_id_'], .mb-3, .col, [class*='col-']") || field.parentElement;
      var errors = box ? box.querySelectorAll(".invalid-feedback") : [];
      var ids = [];
      errors.forEach(function (error, i) {
        if (!error.id) { error.id = (field.id || "field") + "-error-" + i; }
        ids.push(error.id);
      });
      if (ids.length) {
        var existing = field.getAttribute("aria-describedby");
        var all = (existing ? existing.split(" ") : []).concat(ids.filter(function (id) {
          return !existing || existing.split(" ").indexOf(id) < 0; }));
        field.setAttribute("aria-describedby", all.join(" "));
      }
      field.setAttribute("aria-invalid", "true");
      if (!first) { first = field; }
    });
    if (first && !document.activeElement.closest("form[role=search]")) { first.focus(); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", link); } else { link(); }
})();
