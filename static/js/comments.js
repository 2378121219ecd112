// Comments, enhanced: fill in a remembered name, reply in place, comment on a selection.
// Everything works without this script; it only saves the reader some clicks.
(function () {
  "use strict";
  var form = document.getElementById("respond");
  if (!form) return;
  var field = function (name) { return form.elements[name]; };
  var context = form.querySelector("[data-context]");
  var home = form.parentNode, homeNext = form.nextSibling;

  // The remembered name and e-mail live in the reader's own cookie, never in the page.
  var match = document.cookie.match(/(?:^|; )nr_commenter=([^;]*)/);
  if (match) {
    try {
      var raw = decodeURIComponent(match[1]).replace(/^"|"$/g, "").split(":")[0];
      var data = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/")));
      if (!field("name").value) field("name").value = data.n || "";
      if (!field("email").value) field("email").value = data.e || "";
    } catch (error) { /* a cookie we cannot read is simply ignored */ }
  }

  function setContext(node) {
    context.hidden = false;
    context.textContent = "";
    context.appendChild(node);
    var cancel = document.createElement("a");
    cancel.href = "#respond";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function (event) { event.preventDefault(); reset(); });
    context.appendChild(document.createTextNode(" "));
    context.appendChild(cancel);
  }

  function reset() {
    field("parent").value = "";
    field("anchor").value = "";
    field("excerpt").value = "";
    context.hidden = true;
    form.querySelector("h3").textContent = "What do you think?";
    home.insertBefore(form, homeNext);
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-reply]");
    if (!link) return;
    event.preventDefault();
    reset();
    field("parent").value = link.getAttribute("data-reply");
    form.querySelector("h3").textContent = "Reply to " + link.getAttribute("data-name");
    var note = document.createElement("span");
    note.textContent = "Replying to " + link.getAttribute("data-name") + ".";
    setContext(note);
    link.closest("article").appendChild(form);
    field("body").focus();
  });

  // Select text in a paragraph or quote, then comment on exactly that.
  var body = document.querySelector(".article-body");
  if (!body) return;
  var button = document.createElement("button");
  button.type = "button";
  button.className = "button select-comment";
  button.textContent = "Comment on this";
  button.hidden = true;
  document.body.appendChild(button);
  var chosen = null;

  document.addEventListener("selectionchange", function () {
    var selection = document.getSelection();
    var text = selection && selection.toString().trim();
    var node = selection && selection.anchorNode;
    var passage = node && (node.nodeType === 1 ? node : node.parentElement).closest(".article-body [id]");
    if (!text || !passage) { button.hidden = true; return; }
    var rect = selection.getRangeAt(0).getBoundingClientRect();
    button.style.top = (window.scrollY + rect.bottom + 8) + "px";
    button.style.left = (window.scrollX + rect.left) + "px";
    button.hidden = false;
    chosen = { anchor: passage.id, text: text.slice(0, 1000) };
  });

  button.addEventListener("click", function () {
    if (!chosen) return;
    reset();
    field("anchor").value = chosen.anchor;
    field("excerpt").value = chosen.text;
    var quote = document.createElement("q");
    quote.textContent = chosen.text.length > 240 ? chosen.text.slice(0, 239) + "…" : chosen.text;
    var note = document.createElement("span");
    note.textContent = "On this passage: ";
    note.appendChild(quote);
    setContext(note);
    button.hidden = true;
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    field("body").focus({ preventScroll: true });
  });
})();
