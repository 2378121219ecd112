// The sections menu, enhanced: a menu item reached by keyboard is scrolled fully into
// view (browsers leave an item that is half off the edge where it is). The menu scrolls
// and works without this script.
(function () {
  "use strict";
  var menu = document.querySelector(".section-nav");
  if (!menu) return;
  menu.addEventListener("focusin", function (event) {
    event.target.scrollIntoView({ block: "nearest", inline: "nearest" });
  });
})();
