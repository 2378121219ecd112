// Autosave of the article change form, and who else has the article open.
// Edits are posted (the whole form, as a save would send it) a few seconds after the
// last change to the form's autosave address, which keeps them as this editor's draft
// copy, never as the article; "Saved 12 s ago" shows below the save buttons. A draft
// newer than the article is offered back into the form. Every ~20 s the form says it is
// still open and learns who else has it open. Without this script the form works the same.
(function () {
  "use strict";
  var QUIET = 5000; // save this long after the last change…
  var AT_MOST = 30000; // …or this long after the first unsaved one, if typing goes on
  var HEARTBEAT = 20000;
  var TICK = 5000;

  function csrfToken(form) {
    var field = form.querySelector("[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function labelsOf(form) {
    var labels = {};
    form.querySelectorAll("select").forEach(function (select) {
      Array.prototype.forEach.call(select.selectedOptions, function (option) {
        if (option.value) labels[select.name + "=" + option.value] = option.textContent.trim();
      });
    });
    return labels;
  }

  function formBody(form) {
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && name.indexOf("__prefix__") === -1) body.append(name, value);
    });
    body.append("_autosave_labels", JSON.stringify(labelsOf(form)));
    return body;
  }

  function post(url, form, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    });
  }

  function agoText(since) {
    var seconds = Math.max(0, Math.round((Date.now() - since) / 1000));
    if (seconds < 5) return "just now";
    if (seconds < 60) return seconds + " s ago";
    var minutes = Math.round(seconds / 60);
    return minutes < 60 ? minutes + " min ago" : Math.round(minutes / 60) + " h ago";
  }

  function Status(element) {
    var savedAt = null;
    var state = "";
    function show() {
      element.hidden = false;
      element.textContent = state === "saved" ? "Saved " + agoText(savedAt) : state;
    }
    setInterval(function () {
      if (state === "saved") show();
    }, TICK);
    return {
      saving: function () { state = "Saving…"; show(); },
      saved: function () { savedAt = Date.now(); state = "saved"; show(); },
      failed: function (why) { state = "Not saved — " + why; show(); },
    };
  }

  // Restoring a draft into the form -------------------------------------------------

  function grouped(pairs) {
    var values = {};
    pairs.forEach(function (pair) {
      (values[pair[0]] = values[pair[0]] || []).push(pair[1]);
    });
    return values;
  }

  function addRows(form, values) {
    Object.keys(values).forEach(function (name) {
      var match = /^(.+)-TOTAL_FORMS$/.exec(name);
      if (!match) return;
      var total = form.querySelector("[name='" + name + "']");
      var link = document.querySelector("#" + match[1] + "-group .add-row a");
      var wanted = parseInt(values[name][0], 10) || 0;
      for (var guard = 0; total && link && +total.value < wanted && guard < 200; guard++) {
        link.click();
      }
    });
  }

  function proseEditor(textarea) {
    var wrapper = textarea.closest(".prose-editor");
    var view = wrapper && wrapper.querySelector(".ProseMirror[contenteditable]");
    return view && view.editor;
  }

  function setSelect(select, chosen, labels) {
    chosen.forEach(function (value) {
      if (value && !select.querySelector("option[value='" + CSS.escape(value) + "']")) {
        var option = new Option(labels[select.name + "=" + value] || value, value);
        select.append(option);
      }
    });
    Array.prototype.forEach.call(select.options, function (option) {
      option.selected = chosen.indexOf(option.value) !== -1;
    });
  }

  function setField(field, chosen, labels) {
    if (field.type === "checkbox" || field.type === "radio") {
      field.checked = chosen.indexOf(field.value || "on") !== -1;
    } else if (field.tagName === "SELECT") {
      setSelect(field, chosen, labels);
    } else if (chosen.length) {
      field.value = chosen[0];
      var editor = field.tagName === "TEXTAREA" && proseEditor(field);
      if (editor) editor.commands.setContent(chosen[0]);
    } else {
      return;
    }
    if (field.name.slice(-9) === "-ordering") {
      var row = field.closest(".inline-related");
      if (row) row.style.order = field.value; // where the block editor shows it
    }
    if (window.django && window.django.jQuery) window.django.jQuery(field).trigger("change");
  }

  function restore(form, draft) {
    var values = grouped(draft.data);
    addRows(form, values);
    form.querySelectorAll("input[name], select[name], textarea[name]").forEach(function (field) {
      var skip = /^(csrfmiddlewaretoken|_)/.test(field.name) || field.type === "file" ||
        field.name.indexOf("__prefix__") !== -1 || field.type === "submit";
      if (!skip) setField(field, values[field.name] || [], draft.labels || {});
    });
  }

  // Wiring ----------------------------------------------------------------------------

  function startAutosave(form, box) {
    var line = document.getElementById("autosave-status");
    var buttons = form.querySelectorAll(".submit-row");
    // Beside the save buttons, wherever the block editor has put them.
    if (buttons.length) buttons[buttons.length - 1].append(line);
    var status = Status(line);
    var timer = null;
    var firstChange = null;
    var busy = false;
    var submitting = false;

    function save() {
      timer = null;
      if (busy || submitting) return schedule();
      busy = true;
      firstChange = null;
      status.saving();
      post(box.dataset.url, form, formBody(form))
        .then(function (response) {
          if (response.ok) status.saved();
          else status.failed(response.status === 403 ? "you may not edit this" : "the server refused (" + response.status + ")");
        })
        .catch(function () { status.failed("offline"); })
        .then(function () { busy = false; });
    }

    function schedule() {
      if (submitting) return;
      var now = Date.now();
      firstChange = firstChange || now;
      clearTimeout(timer);
      timer = setTimeout(save, Math.max(0, Math.min(QUIET, firstChange + AT_MOST - now)));
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () { submitting = true; clearTimeout(timer); });
    return schedule;
  }

  function offerDraft(form, changed) {
    var offer = document.getElementById("autosave-offer");
    var data = document.getElementById("autosave-draft");
    var box = document.getElementById("autosave");
    if (!offer || !data) return;
    offer.hidden = false;
    offer.addEventListener("click", function (event) {
      var choice = event.target.getAttribute("data-autosave");
      if (choice === "restore") {
        restore(form, JSON.parse(data.textContent));
        changed(); // the restored form is kept again as it now stands
      } else if (choice === "discard") {
        var body = new URLSearchParams({ _autosave_discard: "1" });
        post(box.dataset.url, form, body).catch(function () {});
      } else {
        return;
      }
      offer.remove();
    });
  }

  function showOthers(element, others) {
    element.replaceChildren();
    others.forEach(function (other) {
      var line = document.createElement("p");
      line.textContent = other.name + " is also editing this article (opened " + other.opened +
        "). Whoever saves second is asked to reload first.";
      element.append(line);
    });
    element.hidden = !others.length;
  }

  function startHeartbeat(form, box) {
    var url = box.dataset.presenceUrl;
    var warning = document.getElementById("other-editors");
    if (!url || !warning) return;
    var page = box.dataset.page || "";
    function beat() {
      post(url, form, new URLSearchParams({ page: page }))
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) { if (answer) showOthers(warning, answer.others); })
        .catch(function () {});
    }
    setInterval(beat, HEARTBEAT);
    window.addEventListener("pagehide", function () {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken(form));
      body.append("leave", "1");
      body.append("page", page);
      navigator.sendBeacon(url, body);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("autosave");
    var form = box && box.closest("form");
    if (!form) return;
    var changed = startAutosave(form, box);
    offerDraft(form, changed);
    startHeartbeat(form, box);
  });
})();
