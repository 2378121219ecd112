// The comment queue by keyboard: J/K move between comments, A/R/S/F press the row's
// Approve/Reject/Spam/Pick button. The buttons are plain form posts with the CSRF token;
// without this script they work the same, only by mouse or Tab.
(function () {
  "use strict";
  var KEYS = { a: ["approve"], r: ["reject"], s: ["spam"], f: ["feature", "unfeature"] };
  var REMEMBER = "queue:next";

  function typing(target) {
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && !/^(checkbox|radio|submit|button|reset)$/.test(target.type);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("result_list");
    if (!table) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    if (!rows.length) return;
    var legend = document.getElementById("queue-keys");
    if (legend) legend.hidden = false;
    var current = -1;

    function select(index) {
      if (index < 0 || index >= rows.length) return;
      if (current >= 0) {
        rows[current].classList.remove("is-current");
        rows[current].removeAttribute("aria-current");
      }
      current = index;
      var row = rows[current];
      row.classList.add("is-current");
      row.setAttribute("aria-current", "true");
      row.tabIndex = -1;
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }

    function press(actions) {
      if (current < 0) return;
      var row = rows[current];
      for (var i = 0; i < actions.length; i++) {
        var button = row.querySelector('button[data-action="' + actions[i] + '"]');
        if (button) {
          // After the page comes back, carry on with the comment that followed this one.
          var next = rows[current + 1] || row;
          var card = next.querySelector("[data-comment]");
          try { sessionStorage.setItem(REMEMBER, card ? card.dataset.comment : ""); } catch (e) { /* private mode */ }
          button.click();
          return;
        }
      }
    }

    // Coming back from a decision: select the comment that was next in line.
    try {
      var remembered = sessionStorage.getItem(REMEMBER);
      sessionStorage.removeItem(REMEMBER);
      if (remembered) {
        rows.forEach(function (row, index) {
          var card = row.querySelector("[data-comment]");
          if (card && card.dataset.comment === remembered) select(index);
        });
      }
    } catch (e) { /* no storage: start from the top */ }

    table.addEventListener("click", function (event) {
      var row = event.target.closest("tbody tr");
      if (row && !event.target.closest("a, button, input")) select(rows.indexOf(row));
    });

    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
      var key = event.key.toLowerCase();
      if (key === "j") select(current + 1);
      else if (key === "k") select(Math.max(current - 1, 0));
      else if (KEYS[key]) press(KEYS[key]);
      else return;
      event.preventDefault();
    });
  });
})();
