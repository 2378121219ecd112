// Pasting from Word or Google Docs into a text block of the article form. Word types its
// list bullets into paragraphs ("·  item", styled mso-list), which the editor would keep
// as text; Google Docs puts line breaks between its paragraphs, which the editor would
// keep as empty ones, and images become empty paragraphs. Here the lists become lists and
// the spacing and images go before the editor reads the paste; the rest (emphasis by
// style, Google's wrapper, spans, classes, comments) the editor's own schema keeps or
// drops, and the server cleans the text again on save (articles/pasted.py). Without this
// script a paste still works, with lists as paragraphs.
(function () {
  "use strict";
  var ours = new WeakSet();
  var NUMBERED = /^\s*(\d+|[a-z]|[ivx]+)[.)]/i;

  function isWordList(element) {
    return element && element.tagName === "P" && /mso-list\s*:\s*l\d/i.test(element.getAttribute("style") || "");
  }

  function listsOfWord(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var numbered = new WeakSet();
    doc.querySelectorAll("[style*='mso-list']").forEach(function (element) {
      if (/mso-list\s*:\s*ignore/i.test(element.getAttribute("style"))) {
        var paragraph = element.closest("p");
        if (paragraph && NUMBERED.test(element.textContent)) numbered.add(paragraph);
        element.remove(); // the typed bullet or number
      }
    });
    doc.querySelectorAll("p").forEach(function (paragraph) {
      if (!isWordList(paragraph)) return;
      var previous = paragraph.previousElementSibling;
      var list = previous && previous.dataset.wordList ? previous : null;
      if (!list) {
        list = doc.createElement(numbered.has(paragraph) ? "ol" : "ul");
        list.dataset.wordList = "1";
        paragraph.before(list);
      }
      var item = doc.createElement("li");
      item.append.apply(item, Array.prototype.slice.call(paragraph.childNodes));
      list.append(item);
      paragraph.remove();
    });
    doc.querySelectorAll("[data-word-list]").forEach(function (list) { list.removeAttribute("data-word-list"); });
    return doc;
  }

  function plainer(html) {
    var doc = listsOfWord(html);
    doc.querySelectorAll("b[id^='docs-internal-guid']").forEach(function (wrapper) {
      wrapper.replaceWith.apply(wrapper, Array.prototype.slice.call(wrapper.childNodes));
    });
    doc.querySelectorAll("img, body > br").forEach(function (element) { element.remove(); });
    doc.querySelectorAll("p").forEach(function (paragraph) {
      if (!paragraph.textContent.replace(/[\s\u00a0]/g, "")) paragraph.remove();
    });
    return doc.body.innerHTML;
  }

  document.addEventListener("paste", function (event) {
    if (ours.has(event) || !event.clipboardData) return;
    var target = event.target.closest && event.target.closest(".prose-editor");
    var html = event.clipboardData.getData("text/html");
    if (!target || !/mso-|docs-internal-guid|urn:schemas-microsoft-com:office/i.test(html)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var data = new DataTransfer();
    data.setData("text/html", plainer(html));
    data.setData("text/plain", event.clipboardData.getData("text/plain"));
    var again = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
    ours.add(again);
    event.target.dispatchEvent(again);
  }, true);
})();
