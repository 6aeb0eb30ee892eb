// The operator's desk: script tabs and quick keys (no library; the Content-Security-Policy forbids inline scripts).
(function () {
  function show(code) {
    document.querySelectorAll(".script-panel").forEach(function (p) { p.hidden = p.id !== "script-" + code; });
    document.querySelectorAll("[data-script]").forEach(function (b) {
      b.classList.toggle("active", b.getAttribute("data-script") === code);
      b.setAttribute("aria-pressed", b.getAttribute("data-script") === code ? "true" : "false");
    });
  }
  document.addEventListener("click", function (e) {
    var b = e.target.closest && e.target.closest("[data-script]");
    if (b) { show(b.getAttribute("data-script")); }
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    if (e.key === "Escape" && t && t.blur) { t.blur(); return; }
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var link = null;
    if (e.key === "n" || e.key === "N") { link = document.getElementById("desk-new"); }
    else if (e.key === "u" || e.key === "U") { link = document.getElementById("desk-urgent"); }
    else if (e.key === "a" || e.key === "A") { link = document.getElementById("nav-hotline-alerts"); }
    else if (e.key === "/") { link = document.querySelector("a[accesskey=h]"); }
    else if (/^[1-9]$/.test(e.key)) {
      var tab = document.querySelectorAll("[data-script]")[parseInt(e.key, 10) - 1];
      if (tab) { e.preventDefault(); show(tab.getAttribute("data-script")); tab.focus(); }
      return;
    }
    if (link && link.href) { e.preventDefault(); window.location.href = link.href; }
  });
  var first = document.querySelector("[data-script]");
  if (first) { show(first.getAttribute("data-script")); }
})();
