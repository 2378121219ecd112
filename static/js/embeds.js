// Click-to-load embeds: a card names the provider and links to the original; its
// "Load" button (hidden until this script runs) puts the provider's player in an
// iframe. Nothing is requested from the provider before that click. The page's
// Content-Security-Policy allows frames from the allowlisted players only.
(function () {
  "use strict";
  if (window.newsroomEmbeds) return; // the script is included once per embed
  window.newsroomEmbeds = true;

  function load(figure) {
    var frame = document.createElement("iframe");
    frame.src = figure.dataset.player;
    frame.title = figure.dataset.title;
    frame.className = "embed-frame";
    frame.allow = "autoplay; encrypted-media; fullscreen; picture-in-picture";
    frame.allowFullscreen = true;
    frame.referrerPolicy = "strict-origin-when-cross-origin";
    var button = figure.querySelector(".embed-load");
    if (button) button.remove();
    figure.insertBefore(frame, figure.firstChild);
    figure.classList.add("embed-loaded");
    frame.focus();
  }

  function enhance() {
    var buttons = document.querySelectorAll("figure.embed[data-player] .embed-load");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        load(button.closest("figure.embed"));
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
})();
