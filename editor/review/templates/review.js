"use strict";
// Before/after sliders: the range input is the control (mouse, touch, arrow keys, Home/End,
// Page Up/Down); dragging on the picture moves it too.
document.querySelectorAll("[data-ba]").forEach(function (fig) {
  var frame = fig.querySelector(".ba-frame");
  var clip = fig.querySelector(".ba-clip");
  var range = fig.querySelector(".ba-range");
  var before = fig.getAttribute("data-before"), after = fig.getAttribute("data-after");
  // The spoken position, in the page's language: "{before}", "{after}", "{percent}" filled in.
  var valueText = fig.getAttribute("data-valuetext");
  function show(v) {
    v = Math.max(0, Math.min(100, Number(v)));
    frame.style.setProperty("--pos", v + "%");
    clip.style.clipPath = "inset(0 " + (100 - v) + "% 0 0)";
    range.setAttribute("aria-valuetext", valueText.replace("{before}", before)
      .replace("{percent}", String(Math.round(v))).replace("{after}", after));
  }
  range.addEventListener("input", function () { show(range.value); });
  var dragging = false;
  function fromPointer(ev) {
    var r = frame.getBoundingClientRect();
    if (r.width <= 0) return;
    range.value = Math.round(((ev.clientX - r.left) / r.width) * 1000) / 10;
    show(range.value);
  }
  frame.addEventListener("pointerdown", function (ev) {
    if (ev.target.closest && ev.target.closest("a")) return;
    dragging = true; frame.setPointerCapture && frame.setPointerCapture(ev.pointerId); fromPointer(ev);
  });
  frame.addEventListener("pointermove", function (ev) { if (dragging) fromPointer(ev); });
  ["pointerup", "pointercancel"].forEach(function (t) {
    frame.addEventListener(t, function () { dragging = false; });
  });
  var grid = fig.querySelector(".ba-grid"), gridToggle = fig.querySelector(".grid-toggle");
  if (grid && gridToggle) {
    gridToggle.addEventListener("click", function () {
      var on = gridToggle.getAttribute("aria-pressed") !== "true";
      gridToggle.setAttribute("aria-pressed", on ? "true" : "false");
      grid.hidden = !on;
    });
  }
  show(range.value);
});
// Blink: one place, two states; a button swaps them, another alternates them.
document.querySelectorAll("[data-blink]").forEach(function (box) {
  var a = box.querySelector("img.a"), b = box.querySelector("img.b");
  var swap = box.querySelector(".blink-swap"), auto = box.querySelector(".blink-auto");
  var caption = box.querySelector(".blink-state");
  var timer = null;
  function set(showB) {
    b.hidden = !showB;
    a.style.visibility = showB ? "hidden" : "visible";
    caption.textContent = box.getAttribute("data-showing").replace(
      "{state}", showB ? b.getAttribute("data-label") : a.getAttribute("data-label"));
    swap.setAttribute("aria-pressed", showB ? "true" : "false");
  }
  swap.addEventListener("click", function () { set(b.hidden); });
  auto.addEventListener("click", function () {
    if (timer) { clearInterval(timer); timer = null; auto.setAttribute("aria-pressed", "false"); return; }
    auto.setAttribute("aria-pressed", "true");
    timer = setInterval(function () { set(b.hidden); }, 800);
  });
  set(false);
});
// Crops open at 100 % in a dialog (Esc or Close to leave).
(function () {
  var dialog = document.getElementById("zoom"), img = document.getElementById("zoom-img");
  var title = document.getElementById("zoom-title"), opener = null;
  var defaultTitle = title.textContent;
  document.querySelectorAll("button.zoomable").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var src = btn.querySelector("img");
      img.src = src.getAttribute("src");
      img.alt = src.getAttribute("alt");
      img.width = Number(src.getAttribute("width"));
      img.height = Number(src.getAttribute("height"));
      title.textContent = btn.getAttribute("data-title") || defaultTitle;
      magnify(1);
      opener = btn;
      if (dialog.showModal) dialog.showModal(); else dialog.setAttribute("open", "");
    });
  });
  // Pixel peeping: whole multiples of 100 %, drawn as square pixels (no smoothing).
  function magnify(z) {
    img.style.width = (Number(img.getAttribute("width")) * z) + "px";
    img.style.height = "auto";
    img.classList.toggle("magnified", z > 1);
    dialog.querySelectorAll("[data-zoom]").forEach(function (b) {
      b.setAttribute("aria-pressed", Number(b.getAttribute("data-zoom")) === z ? "true" : "false");
    });
  }
  dialog.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () { magnify(Number(b.getAttribute("data-zoom"))); });
  });
  dialog.querySelector(".zoom-close").addEventListener("click", function () { dialog.close(); });
  dialog.addEventListener("close", function () { if (opener) opener.focus(); });
  dialog.addEventListener("click", function (ev) { if (ev.target === dialog) dialog.close(); });
})();
