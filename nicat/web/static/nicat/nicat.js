// Small behaviours without inline scripts (the Content-Security-Policy forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]")) { el.form.submit(); }
});
document.body.addEventListener("htmx:configRequest", function (event) {
  var token = document.querySelector("meta[name=csrf-token]");
  if (token) { event.detail.headers["X-CSRFToken"] = token.content; }
});
// Print buttons (no inline handlers under the Content-Security-Policy).
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print]");
  if (el) { window.print(); }
});
// The case page's section links, built from the sections on the page (only those this reader sees).
(function () {
  var nav = document.querySelector("[data-case-tabs]");
  if (!nav) { return; }
  document.querySelectorAll("main section[aria-labelledby]").forEach(function (section) {
    var heading = document.getElementById(section.getAttribute("aria-labelledby"));
    if (!heading) { return; }
    var a = document.createElement("a");
    a.className = "nav-link py-1 px-2";
    a.href = "#" + heading.id;
    a.textContent = heading.textContent.trim();
    nav.appendChild(a);
  });
  if (nav.children.length) { nav.hidden = false; }
})();
