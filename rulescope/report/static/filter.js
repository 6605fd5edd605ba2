// Client-side filter for the coverage matrix: hides cells whose id or name
// (or one of whose sub-techniques') does not contain the typed text.
(function () {
  "use strict";
  const input = document.getElementById("filter");
  const shown = document.getElementById("shown");
  const cells = Array.from(document.querySelectorAll("li.cell"));

  function matches(element, query) {
    return element.dataset.search.indexOf(query) !== -1;
  }

  function apply() {
    const query = input.value.trim().toLowerCase();
    let visible = 0;
    for (const cell of cells) {
      const subs = Array.from(cell.querySelectorAll("li.sub"));
      const subHits = subs.filter((sub) => matches(sub, query));
      const hit = query === "" || matches(cell, query) || subHits.length > 0;
      cell.hidden = !hit;
      for (const sub of subs) {
        sub.hidden = query !== "" && !matches(cell, query) && !matches(sub, query);
      }
      if (hit) {
        visible += 1;
      }
    }
    for (const column of document.querySelectorAll(".tactic-column")) {
      column.hidden = !column.querySelector("li.cell:not([hidden])");
    }
    shown.textContent = query === "" ? "" : visible + " shown";
  }

  input.addEventListener("input", apply);
  apply();
})();
