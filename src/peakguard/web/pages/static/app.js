// peakguard's pages: draw the ECharts charts a page declares. A chart is a <div data-chart>
// followed by <script type="application/json" id="chart-<key>-option"> holding its ECharts
// option; data-map="<code>" loads /app/static/vendor/maps/<code>.json first (a province, or
// 100000 for China). A clicked item with a "url" opens it. No other script is needed.
(function () {
  "use strict";
  var charts = [];
  var maps = {};

  function loadMap(code) {
    if (!maps[code]) {
      maps[code] = fetch("/app/static/vendor/maps/" + code + ".json", { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("map " + code + ": " + response.status); }
          return response.json();
        })
        .then(function (geometry) { window.echarts.registerMap(code, geometry); return code; });
    }
    return maps[code];
  }

  function draw(element) {
    var source = document.getElementById(element.id + "-option");
    if (!source) { return; }
    var option = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    chart.on("click", function (event) {
      var data = event && event.data;
      if (data && typeof data === "object" && data.url) { window.location.href = data.url; }
    });
    charts.push(chart);
    element.setAttribute("data-drawn", "true");
    element.dispatchEvent(new CustomEvent("peakguard:chart", { detail: chart, bubbles: true }));
  }

  function start() {
    var elements = document.querySelectorAll("[data-chart]");
    if (!elements.length) { return; }
    if (!window.echarts) {
      elements.forEach(function (element) { element.setAttribute("data-drawn", "unavailable"); });
      return;
    }
    elements.forEach(function (element) {
      var code = element.getAttribute("data-map");
      if (code) {
        loadMap(code).then(function () { draw(element); }, function () {
          element.setAttribute("data-drawn", "no-map");
        });
      } else {
        draw(element);
      }
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  window.peakguard = { charts: charts, loadMap: loadMap };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
