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
// Searchable selects (countries, languages …): Tom Select, vendored. Texts come from data-* attributes
// in the page's language; without JavaScript the native select is used.
function nicatSearchable(root) {
  if (typeof TomSelect === "undefined") { return; }
  root.querySelectorAll("select[data-searchable]").forEach(function (el) {
    if (el.tomselect) { return; }
    // Tom Select moves the label to its own input: the hidden native select keeps its name for assistive tools.
    var label = el.id ? document.querySelector('label[for="' + el.id + '"]') : null;
    if (label && !el.getAttribute("aria-label")) { el.setAttribute("aria-label", label.textContent.trim()); }
    var options = {
      maxOptions: null,
      placeholder: el.dataset.placeholder || "",
      hidePlaceholder: true,
      plugins: el.multiple ? { remove_button: { title: el.dataset.removeLabel || "×" } } : {},
      render: {
        no_results: function () {
          var d = document.createElement("div");
          d.className = "no-results";
          d.textContent = el.dataset.noResults || "—";
          return d;
        }
      }
    };
    if (!el.multiple) { options.allowEmptyOption = true; }
    new TomSelect(el, options);
  });
}
nicatSearchable(document);
document.body.addEventListener("htmx:load", function (event) { nicatSearchable(event.target); });
// The screening form: how many indicators are answered, per element and in all.
(function () {
  var form = document.querySelector("[data-screening-form]");
  if (!form) { return; }
  function update() {
    var total = 0, answered = 0;
    form.querySelectorAll("details.screening-element").forEach(function (el) {
      var groups = el.querySelectorAll("[role=radiogroup]");
      var done = 0;
      groups.forEach(function (g) {
        var checked = g.querySelector("input[type=radio]:checked");
        if (checked && checked.value !== "unknown") { done += 1; }
      });
      total += groups.length; answered += done;
      var badge = el.querySelector("[data-element-count]");
      if (badge) { badge.textContent = done + " / " + groups.length; }
    });
    var pct = total ? Math.round(100 * answered / total) : 0;
    var bar = form.querySelector("[data-progress-bar]");
    var wrap = form.querySelector("[data-progress]");
    var text = form.querySelector("[data-progress-text]");
    if (bar) { bar.style.width = pct + "%"; }
    if (wrap) { wrap.setAttribute("aria-valuenow", String(pct)); }
    if (text) { text.textContent = text.dataset.template.replace("{n}", answered).replace("{total}", total); }
  }
  form.addEventListener("change", update);
  update();
})();
