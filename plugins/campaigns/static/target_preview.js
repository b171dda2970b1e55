// The target group editor: the count and sample of who matches follow the filters as they
// are edited, without saving them. Each change (typing pauses for a moment) asks for the
// page's own preview (the "Preview" button's GET, which works without this script) and takes
// from the answer the count and sample, the form's error messages and the alert above it.
(function () {
  "use strict";
  const form = document.getElementById("target-form");
  if (!form || !document.getElementById("target-preview")) { return; }
  const PAUSE_MS = 300;
  let timer = null;
  let asked = 0;

  function previewUrl() {
    const params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");
    params.delete("save");
    params.set("preview", "1");
    return form.action + "?" + params.toString();
  }

  function replaceById(fresh, id) {
    const now = document.getElementById(id);
    const next = fresh.getElementById(id);
    if (now && next) { now.replaceWith(next); }
    else if (now) { now.remove(); }
    else if (next) { form.before(next); }
  }

  function syncFieldErrors(fresh) {
    const fields = form.querySelectorAll(".field");
    const freshFields = fresh.querySelectorAll("#target-form .field");
    if (fields.length !== freshFields.length) { return; }
    fields.forEach(function (field, n) {
      field.querySelectorAll("p.error").forEach(function (p) { p.remove(); });
      freshFields[n].querySelectorAll("p.error").forEach(function (p) { field.append(p); });
      field.classList.toggle("has-error", freshFields[n].classList.contains("has-error"));
    });
  }

  async function refresh() {
    const mine = ++asked;
    document.getElementById("target-preview").setAttribute("aria-busy", "true");
    try {
      const response = await fetch(previewUrl(), { credentials: "same-origin" });
      const html = await response.text();
      if (mine !== asked) { return; }  // a later change's answer is on its way
      const fresh = new DOMParser().parseFromString(html, "text/html");
      replaceById(fresh, "target-preview");
      replaceById(fresh, "target-errors");
      syncFieldErrors(fresh);
    } catch (error) {
      // Offline or the server away: the Preview button still works.
    } finally {
      const preview = document.getElementById("target-preview");
      if (preview && mine === asked) { preview.removeAttribute("aria-busy"); }
    }
  }

  function later() {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, PAUSE_MS);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
}());
