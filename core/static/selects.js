// Selects that do more: a search box for long ones, options that follow another, and
// fields shown only for some choices.
//
// <select data-search-url="…"> offers what the server put in it (the first
// rows and the current one) and gets a search box. Typing asks the URL
// (``?q=``) and puts the answers in the select, keeping the empty choice and
// the one chosen; the first answer is chosen if nothing was. Clearing the box
// brings the server's options back and keeps the one chosen. The box's label
// and its "nothing found" text come from data-search-label and
// data-search-empty, already in the user's language.
//
// <select data-follows="ID" data-follow-url="…"> takes its options from the
// URL (``?{data-follow-param}=`` the value of the select ID) whenever that
// select changes: a contact person select follows the customer one. Back at
// the value the page came with, the server's options return; at the empty
// choice, only the empty choice is left.
//
// Both URLs answer {"results": [{"id", "label"}], "more"}.
//
// A field whose input has data-shown-with="ID" data-shown-for="v1 v2" is
// shown only while the select ID has one of those values: the reason a task
// was lost, while a lost stage is chosen.
//
// <select data-submit-on-change> sends its form when a choice is made (the
// tenant switch), which its <noscript> button does without this script.
//
// Without this script the selects work as the server made them, and every
// field is shown.
(function () {
  "use strict";

  const WAIT_MS = 250;

  function isEmptyChoice(option) {
    return option.value === "0" || option.value === "";
  }

  function copies(options) {
    return options.map((option) => option.cloneNode(true));
  }

  async function ask(url) {
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        return null;
      }
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function asOptions(answer) {
    return answer.results.map((row) => new Option(row.label, String(row.id)));
  }

  function tellChanged(select) {
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function addSearch(select) {
    const original = copies(Array.from(select.options));
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

    function showFound(options) {
      const chosen = select.value;
      const kept = Array.from(select.options).filter(
        (option) => isEmptyChoice(option) || option.value === chosen
      );
      const found = options.filter((option) => !kept.some((k) => k.value === option.value));
      select.replaceChildren(...kept, ...found);
      select.value = chosen;
    }

    async function search(text) {
      const number = ++asked;
      const url = new URL(select.dataset.searchUrl, window.location.href);
      url.searchParams.set("q", text);
      const answer = await ask(url);
      if (answer === null || number !== asked) {
        return; // failed, or a later search is on its way
      }
      showFound(asOptions(answer));
      const empty = answer.results.length === 0;
      status.textContent = empty ? select.dataset.searchEmpty || "" : "";
      status.hidden = !empty;
      if (!empty && isEmptyChoice(select.selectedOptions[0] || { value: "" })) {
        select.value = String(answer.results[0].id);
        tellChanged(select);
      }
    }

    function restore() {
      asked++;
      const chosen = select.selectedOptions[0];
      const restored = copies(original);
      if (chosen && !restored.some((option) => option.value === chosen.value)) {
        restored.splice(1, 0, chosen); // a row found by the search stays chosen
      }
      select.replaceChildren(...restored);
      if (chosen) {
        select.value = chosen.value;
      }
      status.hidden = true;
    }

    box.addEventListener("input", function () {
      window.clearTimeout(timer);
      const text = box.value.trim();
      if (!text) {
        restore();
        return;
      }
      timer = window.setTimeout(() => search(text), WAIT_MS);
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault(); // Enter picks, it does not send the form
        select.focus();
      }
    });
  }

  function addFollowing(select) {
    const leader = document.getElementById(select.dataset.follows);
    if (!leader) {
      return;
    }
    const original = copies(Array.from(select.options));
    const originalLeader = leader.value;
    let asked = 0;

    function keepChoiceAmong(options) {
      const chosen = select.value;
      select.replaceChildren(...options);
      if (!options.some((option) => option.value === chosen) && options.length > 0) {
        select.value = options[0].value;
      } else {
        select.value = chosen;
      }
    }

    leader.addEventListener("change", async function () {
      const number = ++asked;
      const empty = copies(original.filter(isEmptyChoice));
      if (leader.value === originalLeader) {
        keepChoiceAmong(copies(original));
        return;
      }
      if (isEmptyChoice(leader.selectedOptions[0] || { value: "" })) {
        keepChoiceAmong(empty);
        return;
      }
      const url = new URL(select.dataset.followUrl, window.location.href);
      url.searchParams.set(select.dataset.followParam || "id", leader.value);
      const answer = await ask(url);
      if (number !== asked) {
        return;
      }
      keepChoiceAmong([...empty, ...(answer === null ? [] : asOptions(answer))]);
    });
  }

  function showWith(input) {
    const leader = document.getElementById(input.dataset.shownWith);
    if (!leader) {
      return;
    }
    const values = (input.dataset.shownFor || "").split(" ").filter(Boolean);
    const field = input.closest(".field") || input;
    function update() {
      field.hidden = !values.includes(leader.value);
    }
    leader.addEventListener("change", update);
    update();
  }

  document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  document.querySelectorAll("select[data-search-url]").forEach(addSearch);
  document.querySelectorAll("[data-shown-with]").forEach(showWith);
  document.querySelectorAll("select[data-follows][data-follow-url]").forEach(addFollowing);
})();
