// The campaign page's progress bar: polls the progress while tasks are being created.
(function () {
  "use strict";
  var bar = document.querySelector("progress[data-progress-url]");
  if (!bar) { return; }
  var label = document.getElementById("campaign-progress-text");
  function poll() {
    fetch(bar.dataset.progressUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (progress) {
        bar.max = Math.max(progress.total, 1);
        bar.value = progress.done;
        if (label) { label.textContent = progress.done + " / " + progress.total; }
        if (progress.state === "running") { window.setTimeout(poll, 2000); } else { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
}());
