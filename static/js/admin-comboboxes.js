/*
 * Django's search boxes (select2) show a combobox without a name: each takes the name of
 * its field's label, or, in a table of rows, the select's own aria-label (its column).
 * Run once the page is ready and again for every row added.
 */
;(() => {
  function nameComboboxes(root) {
    for (const select of root.querySelectorAll("select.admin-autocomplete")) {
      const combobox = select.nextElementSibling?.querySelector("[role=combobox]")
      const chosen = combobox?.querySelector(".select2-selection__rendered")
      if (!chosen || select.dataset.named) continue
      select.dataset.named = "yes"
      // The chosen value is read as part of the name, not as a field of its own.
      chosen.removeAttribute("role")
      chosen.removeAttribute("aria-readonly")
      const label = document.querySelector(`label[for="${select.id}"]`)
      if (label) {
        label.id ||= `${select.id}-label`
        combobox.setAttribute("aria-labelledby", `${label.id} ${chosen.id}`)
      } else {
        combobox.removeAttribute("aria-labelledby")
        const name = select.getAttribute("aria-label")
        combobox.setAttribute("aria-label", name || select.name.split("-").pop().replaceAll("_", " "))
      }
    }
  }

  // After Django's autocomplete.js, which starts select2 when the document is ready.
  window.addEventListener("load", () => nameComboboxes(document))
  document.addEventListener("formset:added", (event) => {
    setTimeout(() => nameComboboxes(event.target))
  })
})()
