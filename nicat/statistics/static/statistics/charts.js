// Charts of the statistics pages, drawn by Chart.js from the data in a <script type="application/json">
// element (json_script): numbers travel as JSON, so they never depend on the page's language. The
// table beside each chart holds the same figures for screen readers and for copying.
(function () {
  var palette = ["#1f5fa8", "#d9822b", "#2a9d8f", "#8e5ea2", "#c0392b", "#6b8e23", "#7f8c8d", "#b8860b"];
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    data.datasets.forEach(function (set, i) {
      set.backgroundColor = palette[i % palette.length];
      set.borderColor = palette[i % palette.length];
      if (data.type === "line") { set.fill = false; set.tension = 0.2; }
    });
    new Chart(canvas, {
      type: data.type || "bar",
      data: {labels: data.labels, datasets: data.datasets},
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {legend: {display: data.datasets.length > 1}},
        scales: {y: {beginAtZero: true, ticks: {precision: 0}}}
      }
    });
  });
})();
