// A text box (input or textarea) that sends what is typed, debounced, and tells the
// kernel when the field is left, as a browser's `change` event does.
//
// Messages to the kernel: the `value` trait (at most one update per `debounce` ms while
// typing), then {event: "change"} when the field loses focus with a value changed since it
// was last committed, and {event: "submit"} on Enter in a one-line box.

function render({ model, el }) {
  const multiline = model.get("rows") > 0;
  const box = document.createElement(multiline ? "textarea" : "input");
  if (multiline) {
    box.rows = model.get("rows");
  } else {
    box.type = model.get("password") ? "password" : "text";
  }
  box.className = "widget-input";
  el.classList.add("widget-inline-hbox", multiline ? "widget-textarea" : "widget-text", "bgk-text");

  let timer = null;
  let committed = model.get("value");

  const show = () => {
    const value = model.get("value");
    if (box.value !== value && timer === null) box.value = value;
    box.placeholder = model.get("placeholder");
    box.disabled = model.get("disabled");
  };
  const flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    if (model.get("value") !== box.value) {
      model.set("value", box.value);
      model.save_changes();
    }
  };
  const commit = (event) => {
    flush();
    if (event === "submit" || box.value !== committed) {
      committed = box.value;
      try {
        model.send({ event });
      } catch (err) {
        // the page was replaced while the cursor was here: its widgets are closed
      }
    }
  };
  const onInput = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(flush, model.get("debounce"));
  };
  const onFocus = () => { committed = box.value; };
  const onLeave = () => commit("change");
  const onKey = (e) => {
    if (!multiline && e.key === "Enter") commit("submit");
  };

  show();
  box.addEventListener("input", onInput);
  box.addEventListener("focus", onFocus);
  box.addEventListener("change", onLeave);
  box.addEventListener("blur", onLeave);
  box.addEventListener("keydown", onKey);
  model.on("change:value", show);
  model.on("change:placeholder", show);
  model.on("change:disabled", show);
  el.appendChild(box);
  return () => {
    if (timer !== null) clearTimeout(timer);
    model.off("change:value", show);
    model.off("change:placeholder", show);
    model.off("change:disabled", show);
  };
}

export default { render };
