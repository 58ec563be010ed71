// The data-source form shows only the fieldset of the chosen kind (HTTP, SQL or static).
(function () {
  function sync() {
    var kind = document.getElementById("id_kind");
    if (!kind) { return; }
    document.querySelectorAll("fieldset.kind-fields").forEach(function (set) {
      set.hidden = !set.classList.contains("kind-" + kind.value);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    sync();
    var kind = document.getElementById("id_kind");
    if (kind) { kind.addEventListener("change", sync); }
  });
})();
