// The dashboard's charts (Chart.js). Each canvas carries its data as JSON in
// data-chart (labels, datasets, whether the values are euros, stacked or not, the
// locale of its numbers); the same figures are in the table beside it.
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }
  const COLOURS = ["#0b5cad", "#7fb0e0", "#1e6b36", "#b7791f"];

  function draw(canvas) {
    if (window.Chart.getChart(canvas)) {
      return;
    }
    const spec = JSON.parse(canvas.dataset.chart);
    const format = new Intl.NumberFormat(
      spec.locale,
      spec.money
        ? { style: "currency", currency: "EUR", minimumFractionDigits: 0, maximumFractionDigits: 0 }
        : {}
    );
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (dataset, index) {
          return {
            label: dataset.label,
            data: dataset.data,
            backgroundColor: COLOURS[index % COLOURS.length],
          };
        }),
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          legend: { display: spec.datasets.length > 1 },
          tooltip: {
            callbacks: {
              label: function (context) {
                return context.dataset.label + ": " + format.format(context.parsed.y);
              },
            },
          },
        },
        scales: {
          x: { stacked: spec.stacked },
          y: {
            stacked: spec.stacked,
            beginAtZero: true,
            ticks: {
              precision: 0,
              callback: function (value) {
                return format.format(value);
              },
            },
          },
        },
      },
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
