/* zwgk pages: optional status filter for the coverage matrix, and data tables opened for printing
   (every page works without script). */
(function () {
  var closed = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; closed.push(d); });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
(function () {
  var box = document.getElementById("matrix-filter");
  if (!box) { return; }
  box.hidden = false;
  function apply() {
    var wanted = {};
    box.querySelectorAll("input[type=checkbox]").forEach(function (cb) { wanted[cb.value] = cb.checked; });
    document.querySelectorAll("table.matrix tbody tr").forEach(function (row) {
      var show = false;
      row.querySelectorAll("td.cell").forEach(function (cell) {
        if (wanted[cell.getAttribute("data-status")]) { show = true; }
      });
      row.classList.toggle("hidden-by-filter", !show);
    });
  }
  box.addEventListener("change", apply);
})();
