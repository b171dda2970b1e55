// A search box for long selects: <select data-search-url="…"> gets one.
//
// The select offers what the server put in it (the first rows and the
// current one). Typing in the box asks the search URL (``?q=``, answering
// {"results": [{"id", "label"}], "more"}) and puts the answers in the select,
// keeping the empty choice and the one chosen; the first answer is chosen if
// nothing was. Clearing the box brings the server's options back and keeps
// the one chosen. The box's label and its "nothing found" text come from
// data-search-label and data-search-empty, already in the user's language.
// Without this script the select works as it is.
(function () {
  "use strict";

  const WAIT_MS = 250;

  function enhance(select) {
    const original = Array.from(select.options).map(function (option) {
      return option.cloneNode(true);
    });
    const box = document.createElement("input");
    box.type = "search";
    box.id = select.id + "-search";
    box.className = "select-search";
    box.placeholder = select.dataset.searchLabel || "";
    box.setAttribute("aria-label", select.dataset.searchLabel || "");
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    const status = document.createElement("p");
    status.className = "help select-search-status";
    status.setAttribute("role", "status");
    status.hidden = true;
    select.before(box);
    select.after(status);

    let timer = null;
    let asked = 0;

    function replaceOptions(options) {
      const chosen = select.value;
      const kept = Array.from(select.options).filter(function (option) {
        return option.value === "0" || option.value === "" || option.value === chosen;
      });
      select.replaceChildren(...kept);
      options.forEach(function (option) {
        if (!kept.some((k) => k.value === option.value)) {
          select.append(option);
        }
      });
      select.value = chosen;
    }

    async function search(text) {
      const number = ++asked;
      const url = new URL(select.dataset.searchUrl, window.location.href);
      url.searchParams.set("q", text);
      let answer;
      try {
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        answer = await response.json();
      } catch (error) {
        return;
      }
      if (number !== asked) {
        return; // a later search is on its way
      }
      replaceOptions(
        answer.results.map(function (row) {
          return new Option(row.label, String(row.id));
        })
      );
      const empty = answer.results.length === 0;
      status.textContent = empty ? select.dataset.searchEmpty || "" : "";
      status.hidden = !empty;
      if (!empty && (select.value === "0" || select.value === "")) {
        select.value = String(answer.results[0].id);
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      const text = box.value.trim();
      if (!text) {
        asked++;
        const chosen = select.selectedOptions[0];
        const restored = original.map((option) => option.cloneNode(true));
        if (chosen && !restored.some((option) => option.value === chosen.value)) {
          restored.splice(1, 0, chosen); // a customer found by the search stays chosen
        }
        select.replaceChildren(...restored);
        if (chosen) {
          select.value = chosen.value;
        }
        status.hidden = true;
        return;
      }
      timer = window.setTimeout(function () {
        search(text);
      }, WAIT_MS);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks, it does not send the form
        select.focus();
      }
    });
  }

  document.querySelectorAll("select[data-search-url]").forEach(enhance);
})();
