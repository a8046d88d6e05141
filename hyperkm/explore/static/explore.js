// hyperkm explore: enhancements only. Every page works without this script.
"use strict";

// A template form shows the URL it would follow, live, before anything is sent.
function previewTemplates() {
  document.querySelectorAll("form.template").forEach(function (form) {
    var output = form.querySelector("output.preview");
    var update = function () {
      var params = new URLSearchParams(form.dataset.preview.split("?")[1]);
      var typed = false;
      form.querySelectorAll("input[name^='v_']").forEach(function (input) {
        if (input.value !== "") { params.set(input.name, input.value); typed = true; }
      });
      // Nothing typed yet: no red error before anyone types; the placeholders say what goes
      // where, and a missing variable is refused on submit.
      if (!typed && form.querySelector("input[name^='v_'][required]")) {
        output.textContent = "fill in the variables to see the URL";
        output.className = "preview hint";
        return;
      }
      fetch("/preview?" + params.toString(), {credentials: "omit"})
        .then(function (r) { return r.json(); })
        .then(function (body) {
          output.textContent = body.url ? "→ " + body.url : body.error;
          output.className = body.url ? "preview" : "preview error";
        });
    };
    form.addEventListener("input", update);
    update();
  });
}

// A running job: poll its status, show the progress and each poll, then go to the result
// (after a moment, so that what was sent, the Location and the polls can be read).
function followJob() {
  var bar = document.getElementById("job-progress");
  if (!bar) return;
  var percent = document.getElementById("job-percent");
  var rows = document.querySelector("#job-polls tbody");
  var showPolls = function (polls) {
    if (!rows || !Array.isArray(polls)) return;
    rows.textContent = "";
    polls.forEach(function (p) {
      var tr = document.createElement("tr");
      [p.reason, p.status, p.outcome, p.ms, p.location || ""].forEach(function (value) {
        var td = document.createElement("td");
        td.textContent = String(value);  // text, never markup: these come from the API
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
  };
  var poll = function () {
    fetch(bar.dataset.poll, {credentials: "omit"})
      .then(function (r) { return r.json(); })
      .then(function (body) {
        if (typeof body.progress === "number") {
          bar.value = body.progress;
          percent.textContent = Math.round(body.progress * 100) + " %";
        }
        showPolls(body.polls);
        if (body.done && body.next) {
          document.getElementById("job-state").textContent = "The job is done: opening the result…";
          setTimeout(function () { window.location.href = body.next; }, 1200);
        } else { setTimeout(poll, 300); }
      });
  };
  setTimeout(poll, 200);
}

document.addEventListener("DOMContentLoaded", function () {
  previewTemplates();
  followJob();
});
