/*
 * The article body's blocks in the admin, on top of django-content-editor:
 *
 * - "Move up" / "Move down" buttons on every block, so the order can be changed by
 *   keyboard (and on a touch screen) as well as by dragging;
 * - a bar of "Add …" buttons under the body, every kind of block one click away (the
 *   editor's own "+" menu still inserts between two blocks);
 * - a new READ MORE block opens its headline search at once.
 *
 * Without JavaScript none of this is needed: the blocks are plain forms with a position.
 */
;(() => {
  const machine = () => document.querySelector(".order-machine")

  function blocksInOrder() {
    const blocks = machine().querySelectorAll(".inline-related:not(.empty-form)")
    return [...blocks]
      .filter((block) => !block.classList.contains("content-editor-invisible"))
      .sort((a, b) => a.style.order - b.style.order)
  }

  function ordering(block) {
    return block.querySelector(".order-machine-ordering")
  }

  function move(block, step) {
    const blocks = blocksInOrder()
    const index = blocks.indexOf(block)
    const other = blocks[index + step]
    if (!other) return
    const mine = ordering(block).value
    ordering(block).value = block.style.order = ordering(other).value
    ordering(other).value = other.style.order = mine
    const label = block.querySelector("h3 .inline_label")?.textContent.trim() || "Block"
    announce(`${label} moved to position ${index + step + 1} of ${blocks.length}.`)
  }

  let status
  function announce(text) {
    if (!status) {
      status = document.createElement("p")
      status.className = "block-move-status"
      status.setAttribute("role", "status")
      machine().parentElement.after(status)
    }
    status.textContent = text
  }

  function button(text, title, onClick) {
    const element = document.createElement("button")
    element.type = "button"
    element.className = "block-move"
    element.textContent = text
    element.title = title
    element.setAttribute("aria-label", title)
    element.addEventListener("click", (event) => {
      // Not a click on the heading: content-editor would fold the block.
      event.preventDefault()
      event.stopPropagation()
      onClick()
      event.currentTarget.focus()
    })
    return element
  }

  function addMoveButtons(block) {
    const heading = block.querySelector(":scope > h3")
    if (!heading || heading.querySelector(".block-moves")) return
    const moves = document.createElement("span")
    moves.className = "block-moves"
    moves.append(
      button("↑", "Move this block up", () => move(block, -1)),
      button("↓", "Move this block down", () => move(block, 1)),
    )
    heading.append(moves)
  }

  function addBlockBar() {
    const wrapper = document.querySelector(".order-machine-wrapper")
    if (!wrapper || wrapper.classList.contains("order-machine-readonly")) return
    if (document.querySelector(".block-add-bar")) return
    const bar = document.createElement("div")
    bar.className = "block-add-bar"
    const label = document.createElement("span")
    label.textContent = "Add:"
    bar.append(label)
    for (const plugin of wrapper.querySelectorAll(".plugin-buttons .plugin-button")) {
      const add = document.createElement("button")
      add.type = "button"
      add.className = "button"
      add.textContent = plugin.title
      // The editor's own button adds the block at the end and focuses its first field.
      add.addEventListener("click", () => plugin.click())
      bar.append(add)
    }
    // After the editor's help line, which is pulled up beside the blocks.
    const help = wrapper.parentElement.querySelector(":scope > .order-machine-help")
    ;(help || wrapper).after(bar)
  }

  // Django's search boxes (select2) show a combobox without a name: it takes the name
  // of the field's label, or of its column in a table of rows.
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
        combobox.setAttribute("aria-label", select.name.split("-").pop().replaceAll("_", " "))
      }
    }
  }

  // The rich-text box takes the name of its field's label.
  function nameTextBoxes() {
    for (const box of machine().querySelectorAll(".prose-editor .ProseMirror[contenteditable]")) {
      const textarea = box.closest(".prose-editor").querySelector("textarea")
      const label = textarea && document.querySelector(`label[for="${textarea.id}"]`)
      if (!label || box.hasAttribute("aria-labelledby")) continue
      label.id ||= `${textarea.id}-label`
      box.setAttribute("aria-labelledby", label.id)
    }
  }

  document.addEventListener("content-editor:activate", (event) => {
    if (event.detail.inline) addMoveButtons(event.detail.inline)
  })

  // A save that came back with errors shows the first of them, not the place where Save
  // was pressed (content-editor scrolls back there a moment after the page loads).
  function showFirstError() {
    const note = document.querySelector("#content-main .errornote")
    if (!note) return
    const error = document.querySelector("#content-main .errorlist") || note
    const place = error.closest(".form-row, .inline-related, fieldset") || note
    setTimeout(() => {
      place.scrollIntoView({ block: "center" })
      const field = place.querySelector("input:not([type=hidden]), textarea, select")
      if (field) field.focus({ preventScroll: true })
    }, 300)
  }

  document.addEventListener("content-editor:ready", () => {
    showFirstError()
    nameComboboxes(document)
    nameTextBoxes()
    new MutationObserver(nameTextBoxes).observe(machine(), { childList: true, subtree: true })
    addBlockBar()
    for (const block of blocksInOrder()) addMoveButtons(block)
  })

  document.addEventListener("formset:added", (event) => {
    setTimeout(() => nameComboboxes(event.target))
    if (event.detail.formsetName !== "read_mores") return
    // After the admin has turned the select into its search box.
    setTimeout(() => {
      const select = event.target.querySelector("select.admin-autocomplete")
      if (select && window.django?.jQuery) window.django.jQuery(select).select2("open")
    })
  })
})()
