// clipshop seller dashboard: draw each <canvas class="chart" data-chart="{labels, datasets}">
// with the vendored Chart.js (the table beside it holds the same numbers, for every reader).
// data-unit on the canvas: the y axis' unit (default " %", the rates).
document.querySelectorAll("canvas.chart").forEach(function (canvas) {
  var unit = canvas.dataset.unit === undefined ? " %" : canvas.dataset.unit;
  new Chart(canvas, {
    type: "bar",
    data: JSON.parse(canvas.dataset.chart),
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v + unit; } } } }
    }
  });
});
