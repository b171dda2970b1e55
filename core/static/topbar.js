// The top bar: its menu button on a narrow screen, "/" to search, and results
// while typing.
//
// On a narrow screen the button shows and hides the menu (navigation, search,
// account); on a wide one the button is hidden and the menu always shown.
// "/" pressed outside a field puts the cursor in the search box. Typing in a
// box with data-suggest-url asks it (``?q=``) for a few records of each kind
// and lists them as links under the box; arrows move among them, Escape closes
// the list, Enter on the box opens the full search page as before. Without
// this script the menu is always shown and the search is the page it submits to.
(function () {
  "use strict";

  const WAIT_MS = 250;
  const topbar = document.querySelector(".topbar");
  if (!topbar) {
    return;
  }

  const button = topbar.querySelector(".menu-button");
  if (button) {
    topbar.classList.add("menu-closed");
    button.hidden = false;
    button.addEventListener("click", () => {
      const closed = topbar.classList.toggle("menu-closed");
      button.setAttribute("aria-expanded", String(!closed));
    });
  }

  const box = topbar.querySelector("input[data-suggest-url]");
  if (!box) {
    return;
  }
  const list = document.getElementById(box.getAttribute("aria-controls"));

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select, [contenteditable]");
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      topbar.classList.remove("menu-closed");
      box.focus();
      box.select();
    }
  });

  function close() {
    list.hidden = true;
    list.replaceChildren();
    box.setAttribute("aria-expanded", "false");
  }

  function show(answer) {
    const items = [];
    for (const group of answer.groups) {
      const heading = document.createElement("li");
      heading.className = "suggestion-group";
      heading.textContent = group.label;
      items.push(heading);
      for (const result of group.results) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = result.url;
        link.textContent = result.title;
        if (result.details) {
          const details = document.createElement("span");
          details.className = "muted";
          details.textContent = " " + result.details;
          link.append(details);
        }
        item.append(link);
        items.push(item);
      }
    }
    if (!answer.groups.length) {
      const none = document.createElement("li");
      none.className = "muted";
      none.textContent = box.dataset.suggestEmpty || "";
      items.push(none);
    }
    const all = document.createElement("li");
    const link = document.createElement("a");
    link.href = answer.all;
    link.textContent = box.dataset.suggestAll || "";
    all.append(link);
    items.push(all);
    list.replaceChildren(...items);
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
  }

  let timer = null;
  let asked = 0;
  box.addEventListener("input", () => {
    clearTimeout(timer);
    const text = box.value.trim();
    if (!text) {
      close();
      return;
    }
    timer = setTimeout(async () => {
      const number = ++asked;
      const url = new URL(box.dataset.suggestUrl, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok && number === asked) {
          show(await response.json());
        }
      } catch (error) {
        close();
      }
    }, WAIT_MS);
  });

  function links() {
    return [...list.querySelectorAll("a")];
  }

  topbar.addEventListener("keydown", (event) => {
    if (list.hidden) {
      return;
    }
    const all = links();
    const at = all.indexOf(document.activeElement);
    if (event.key === "Escape") {
      close();
      box.focus();
    } else if (event.key === "ArrowDown" && all.length) {
      event.preventDefault();
      all[Math.min(at + 1, all.length - 1)].focus();
    } else if (event.key === "ArrowUp" && at >= 0) {
      event.preventDefault();
      (at === 0 ? box : all[at - 1]).focus();
    }
  });

  document.addEventListener("click", (event) => {
    if (!event.target.closest(".topbar-search")) {
      close();
    }
  });
})();
