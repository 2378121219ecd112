// Comments, enhanced: fill in a remembered name, reply in place, comment on a selection,
// say who the reader comments as, show them their own held comment, and stamp the time
// the form was really shown (the page itself may have been cached for an hour).
// Everything works without this script; without it the page's own timestamp, the
// honeypot and the rate limits still protect the form.
(function () {
  "use strict";
  var form = document.getElementById("respond");
  if (!form) return;
  var field = function (name) { return form.elements[name]; };
  var context = form.querySelector("[data-context]");
  var home = form.parentNode, homeNext = form.nextSibling;
  var articleId = form.getAttribute("data-article");

  // The remembered name and e-mail live in the reader's own cookie, never in the page.
  var remembered = {};
  var match = document.cookie.match(/(?:^|; )nr_commenter=([^;]*)/);
  if (match) {
    try {
      var raw = decodeURIComponent(match[1]).replace(/^"|"$/g, "").split(":")[0];
      remembered = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/"))) || {};
      if (!field("name").value) field("name").value = remembered.n || "";
      if (!field("email").value) field("email").value = remembered.e || "";
    } catch (error) { /* a cookie we cannot read is simply ignored */ }
  }

  // --- Who this browser comments as ------------------------------------------------------
  var line = form.querySelector("[data-reader]");
  function showReader(who, canSignOut) {
    if (!line) return;
    line.textContent = "";
    if (!who) { line.hidden = true; return; }
    line.appendChild(document.createTextNode("You are commenting as "));
    var name = document.createElement("strong");
    name.textContent = who;
    line.appendChild(name);
    if (canSignOut) {
      line.appendChild(document.createTextNode(" · "));
      var out = document.createElement("button");
      out.type = "button";
      out.className = "link-button";
      out.textContent = "sign out";
      out.addEventListener("click", signOut);
      line.appendChild(out);
      var data = form.getAttribute("data-my-data");
      if (data) {
        line.appendChild(document.createTextNode(" · "));
        var mine = document.createElement("a");
        mine.href = data;
        mine.textContent = "your data";
        line.appendChild(mine);
      }
    }
    line.hidden = false;
    // Signed in already: nothing to verify on this device.
    var verify = form.querySelector(".verify");
    if (verify && canSignOut) verify.hidden = true;
  }
  if (remembered.v && remembered.e) showReader(remembered.e, true);

  function signOut() {
    var leave = document.createElement("form");
    leave.method = "post";
    leave.action = form.getAttribute("data-sign-out");
    leave.hidden = true;
    var values = { next: location.pathname };
    if (state && state.csrf) values.csrfmiddlewaretoken = state.csrf;
    Object.keys(values).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = values[name];
      leave.appendChild(input);
    });
    document.body.appendChild(leave);
    leave.submit();
  }

  // --- The time the form was shown, and a token where the browser needs one --------------
  // Asked for when the reader first turns to the form, from an address never cached.
  var state = null, asking = null;
  function askState() {
    if (!asking) {
      asking = fetch(form.getAttribute("data-state"), {
        credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error("state " + response.status);
        return response.json();
      }).then(function (data) {
        state = data;
        if (data.ts) field("ts").value = data.ts;
        if (data.csrf) {  // used only where the browser sends no Origin (see readers.py)
          var token = field("csrfmiddlewaretoken");
          if (!token) {
            token = document.createElement("input");
            token.type = "hidden";
            token.name = "csrfmiddlewaretoken";
            form.appendChild(token);
          }
          token.value = data.csrf;
        }
        if (data.reader) showReader(data.reader, !!data.verified && !data.staff);
        else if (remembered.v) showReader("", false);
        form.setAttribute("data-stamped", "");
        return data;
      }).catch(function () { return null; });  // the page's own timestamp stays
    }
    return asking;
  }
  form.addEventListener("focusin", askState);

  // --- The reader's own held comment -----------------------------------------------------
  // Kept in this browser only: a held comment is never in the page everyone shares.
  var DRAFT = "nr_comment_draft", PENDING = "nr_pending_comments";
  var KEEP_MS = 14 * 24 * 3600 * 1000;
  function load(storage, key, fallback) {
    try { return JSON.parse(storage.getItem(key)) || fallback; } catch (error) { return fallback; }
  }
  function save(storage, key, value) {
    try { storage.setItem(key, JSON.stringify(value)); } catch (error) { /* storage off */ }
  }

  var sending = false;
  form.addEventListener("submit", function (event) {
    save(sessionStorage, DRAFT, {
      a: articleId, n: field("name").value, b: field("body").value,
      p: field("parent").value, q: field("excerpt").value, t: Date.now()
    });
    if (state || sending) return;
    // Not stamped yet (sent without turning to the form first): stamp it now, then send.
    event.preventDefault();
    sending = true;
    var waited = new Promise(function (resolve) { setTimeout(resolve, 4000); });
    Promise.race([askState(), waited]).then(function () {
      HTMLFormElement.prototype.submit.call(form);
    });
  });

  var query = new URLSearchParams(location.search);
  var pending = load(localStorage, PENDING, []).filter(function (kept) {
    return Date.now() - kept.t < KEEP_MS && !document.getElementById("c" + kept.id);
  });
  var draft = load(sessionStorage, DRAFT, null);
  if (query.get("comment") === "held" && query.get("c") && draft && draft.a === articleId) {
    draft.id = query.get("c");
    if (!pending.some(function (kept) { return kept.id === draft.id; })) pending.push(draft);
    try { sessionStorage.removeItem(DRAFT); } catch (error) { /* storage off */ }
  }
  save(localStorage, PENDING, pending);
  pending.filter(function (kept) { return kept.a === articleId; }).forEach(showPending);

  function showPending(kept) {
    var item = document.createElement("div");
    item.className = "comment pending";
    item.setAttribute("data-pending", kept.id);
    var meta = document.createElement("p");
    meta.className = "comment-meta";
    var author = document.createElement("strong");
    author.className = "comment-author";
    author.textContent = kept.n;
    meta.appendChild(author);
    var note = document.createElement("span");
    note.className = "pending-note";
    note.textContent = "Only you can see this until a moderator approves it.";
    meta.appendChild(note);
    item.appendChild(meta);
    kept.b.split(/\n\s*\n/).forEach(function (text) {
      var paragraph = document.createElement("p");
      paragraph.className = "comment-body";
      paragraph.textContent = text;
      item.appendChild(paragraph);
    });
    var parent = kept.p && document.getElementById("c" + kept.p);
    if (parent) { parent.appendChild(item); return; }
    var section = form.closest("[data-comments]") || home;
    var empty = section.querySelector(".no-comments");
    if (empty) empty.hidden = true;  // the reader's own comment is there now
    var threads = section.querySelector(".threads");
    if (threads) threads.parentNode.insertBefore(item, threads);
    else section.insertBefore(item, form.nextSibling);
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
