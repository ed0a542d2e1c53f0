// peakguard's job pages. On a job's page (<section data-job="<id>">), follow the job: read
// GET /jobs/<id> about once a second and move the progress bar, the stage and the status;
// show the result's link when it succeeded, the reason when it failed, and stop. The page
// itself is the job as stored, so a reload starts from where the job is. On the form of a new
// simulation, show the fields of the chosen scenario source only.
(function () {
  "use strict";
  var FINISHED = { succeeded: true, failed: true, cancelled: true };
  var EVERY = 1000;

  function follow(section) {
    var id = section.getAttribute("data-job");
    var language = section.getAttribute("data-language") || "zh_CN";
    var labelsSource = document.getElementById("job-status-labels");
    var labels = labelsSource ? JSON.parse(labelsSource.textContent) : {};
    function part(role) { return section.querySelector('[data-role="' + role + '"]'); }
    var wait = EVERY;

    function show(job) {
      var percent = Math.round((job.progress || 0) * 100);
      var bar = part("bar");
      bar.setAttribute("aria-valuenow", String(percent));
      bar.firstElementChild.style.width = percent + "%";
      part("percent").textContent = String(percent);
      part("stage").textContent = job.stage || "";
      part("status").textContent = labels[job.status] || job.status;
      section.setAttribute("data-status", job.status);
      if (job.status === "succeeded") { part("result").hidden = false; }
      if (job.error) {
        part("error").hidden = false;
        part("error-message").textContent = job.error.message;
        var list = part("problems");
        list.textContent = "";
        (job.error.problems || []).forEach(function (problem) {
          var item = document.createElement("li");
          var code = document.createElement("code");
          code.textContent = problem.location;
          item.appendChild(code);
          item.appendChild(document.createTextNode(" " + problem.message));
          list.appendChild(item);
        });
      }
      if (FINISHED[job.status]) {
        var cancel = part("cancel");
        if (cancel) { cancel.hidden = true; }
      }
    }

    function poll() {
      fetch("/jobs/" + encodeURIComponent(id) + "?lang=" + encodeURIComponent(language), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .then(function (job) {
          wait = EVERY;
          show(job);
          if (!FINISHED[job.status]) { window.setTimeout(poll, wait); }
        })
        .catch(function () {
          wait = Math.min(wait * 2, 15000); // the server is away: look again, less often
          window.setTimeout(poll, wait);
        });
    }

    if (!FINISHED[section.getAttribute("data-status")]) { window.setTimeout(poll, EVERY); }
  }

  function chooseSource(form) {
    var radios = form.querySelectorAll('input[name="source"]');
    function update() {
      var chosen = form.querySelector('input[name="source"]:checked');
      var value = chosen ? chosen.value : "builder";
      form.querySelectorAll("[data-source]").forEach(function (block) {
        block.hidden = block.getAttribute("data-source") !== value;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  function start() {
    document.querySelectorAll("[data-job]").forEach(follow);
    document.querySelectorAll("form.job-form").forEach(chooseSource);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
