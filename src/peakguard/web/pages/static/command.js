// The command centre: a click on a hub of the map draws that hub's backlog curve beside it,
// from the data the page embeds (<script id="command-hubs">); no request leaves the page.
(function () {
  "use strict";
  var source = document.getElementById("command-hubs");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var note = document.getElementById("curve-overflow");

  function curve() {
    var element = document.getElementById("chart-curve");
    return element && window.echarts ? window.echarts.getInstanceByDom(element) : null;
  }

  function show(nodeId) {
    var hub = data.hubs[nodeId];
    var chart = curve();
    if (!hub || !chart) { return; }
    var marks = [{ yAxis: hub.storage, name: data.texts.storage, lineStyle: { color: "#d7301f" } }];
    if (data.hour !== null && data.labels.length) {
      marks.push({ xAxis: data.labels[data.hour], name: data.texts.shown, lineStyle: { color: "#5f6b7a" } });
    }
    chart.setOption({
      title: { text: hub.name },
      series: [{ data: hub.backlog, markLine: { symbol: "none", data: marks } }]
    });
    if (note) { note.textContent = hub.level + " · " + hub.overflow; }
    document.getElementById("chart-curve").setAttribute("data-hub", nodeId);
  }

  function listen(chart) {
    chart.on("click", function (event) {
      if (event && event.data && event.data.node) { show(event.data.node); }
    });
  }

  function start() {
    var first = Object.keys(data.hubs)[0];
    var shown = document.querySelector("[data-table=hubs] tbody tr td:nth-child(2)");
    var mapElement = document.getElementById("chart-map");
    if (note && shown && data.hubs[shown.textContent]) {
      var hub = data.hubs[shown.textContent];
      note.textContent = hub.level + " · " + hub.overflow;
    } else if (note && first) {
      note.textContent = data.hubs[first].level + " · " + data.hubs[first].overflow;
    }
    if (!mapElement || !window.echarts) { return; }
    var drawn = window.echarts.getInstanceByDom(mapElement);
    if (drawn) { listen(drawn); return; }
    mapElement.addEventListener("peakguard:chart", function (event) { listen(event.detail); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
