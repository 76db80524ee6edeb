/* budgetsite serve: reload this page after a rebuild; show the errors of a broken edit. */
(function () {
  var seen = null;
  var box = null;
  function overlay(errors) {
    if (!box) {
      box = document.createElement("div");
      box.id = "budgetsite-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;" +
        "background:#2b0b0b;color:#ffd7d7;font:13px/1.5 monospace;padding:12px 16px;z-index:99999;" +
        "white-space:pre-wrap;border-top:3px solid #e04040";
      document.body.appendChild(box);
    }
    box.textContent = "构建失败，页面仍为上次成功的版本。请修改：\n" + errors.join("\n");
  }
  var source = new EventSource("/__budgetsite/events");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (seen === null) { seen = state.version; if (state.errors.length) overlay(state.errors); return; }
    if (state.version === seen) return;
    seen = state.version;
    if (state.errors.length) { overlay(state.errors); } else { location.reload(); }
  };
})();
