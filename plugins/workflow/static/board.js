// The board's drag and drop (SortableJS) and its "show more" links.
//
// Without this script the board still works: each card has a small form
// (stage and a button) that posts to the same move endpoint, and "show more"
// opens the column's next page. A drop posts that card's form with the new
// stage and the card it now follows; a refused move puts the card back and
// shows why. A drop into a lost stage asks for the reason first.
(function () {
  "use strict";

  const board = document.querySelector(".board");
  if (!board) {
    return;
  }
  const messageBox = document.querySelector(".board-message");
  const intlLocale = board.dataset.locale === "fi" ? "fi-FI" : "en-FI";
  const money = new Intl.NumberFormat(intlLocale, { style: "currency", currency: "EUR" });
  const number = new Intl.NumberFormat(intlLocale);

  function showMessage(text) {
    messageBox.textContent = text || "";
    messageBox.hidden = !text;
  }

  board.addEventListener("click", async function (event) {
    const link = event.target.closest("a[data-more]");
    if (!link) {
      return;
    }
    event.preventDefault();
    const url = new URL(link.href);
    url.searchParams.set("partial", "1");
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin" });
    } catch (error) {
      response = null;
    }
    if (!response || !response.ok) {
      window.location.assign(link.href);
      return;
    }
    const template = document.createElement("template");
    template.innerHTML = await response.text();
    link.closest("li").replaceWith(template.content);
  });

  if (board.dataset.canMove !== "1" || typeof window.Sortable === "undefined") {
    return;
  }
  board.classList.add("sortable");

  function changeTotals(column, direction, value) {
    const count = Number(column.dataset.count) + direction;
    const total = Number(column.dataset.total) + direction * value;
    column.dataset.count = String(count);
    column.dataset.total = total.toFixed(2);
    column.querySelector(".column-count").textContent = number.format(count);
    column.querySelector(".column-sum").textContent = money.format(total);
  }

  function askLostReason() {
    const dialog = document.getElementById("lost-reason-dialog");
    const input = dialog.querySelector("input[name=lost_reason]");
    const error = dialog.querySelector(".error");
    input.value = "";
    error.hidden = true;
    return new Promise(function (resolve) {
      function closed() {
        dialog.removeEventListener("close", closed);
        const reason = input.value.trim();
        resolve(dialog.returnValue === "move" && reason ? reason : null);
      }
      dialog.addEventListener("close", closed);
      dialog.showModal();
      input.focus();
    });
  }

  function putBack(event) {
    const card = event.item;
    card.remove();
    event.from.insertBefore(card, event.from.children[event.oldIndex] || null);
  }

  function previousCard(card) {
    let previous = card.previousElementSibling;
    while (previous && !previous.classList.contains("card")) {
      previous = previous.previousElementSibling;
    }
    return previous;
  }

  async function postMove(card, stageId, afterId, lostReason) {
    const form = card.querySelector("form.card-move");
    const data = new FormData(form);
    data.set("stage_id", stageId);
    data.set("version", card.dataset.version);
    if (afterId) {
      data.set("after_id", afterId);
    }
    if (lostReason) {
      data.set("lost_reason", lostReason);
    }
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(data),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": board.dataset.csrf },
      });
      return await response.json();
    } catch (error) {
      return { ok: false, message: board.dataset.networkError };
    }
  }

  async function dropped(event) {
    if (event.from === event.to && event.oldIndex === event.newIndex) {
      return;
    }
    const card = event.item;
    const target = event.to.closest(".column");
    const source = event.from.closest(".column");
    const changesStage = event.from !== event.to;
    let lostReason = null;
    if (changesStage && target.dataset.kind === "lost") {
      lostReason = await askLostReason();
      if (lostReason === null) {
        putBack(event);
        return;
      }
    }
    const after = previousCard(card);
    card.classList.add("saving");
    const result = await postMove(card, event.to.dataset.stage, after ? after.dataset.id : "", lostReason);
    card.classList.remove("saving");
    if (!result.ok) {
      putBack(event);
      showMessage(result.message || board.dataset.networkError);
      return;
    }
    showMessage("");
    card.dataset.version = String(result.version);
    card.querySelector("form.card-move input[name=version]").value = String(result.version);
    card.querySelector("form.card-move select[name=stage_id]").value = String(result.stage_id);
    if (changesStage) {
      const value = Number(card.dataset.value) || 0;
      changeTotals(source, -1, value);
      changeTotals(target, 1, value);
    }
    board.dispatchEvent(new CustomEvent("board:moved", { detail: { id: card.dataset.id } }));
  }

  board.querySelectorAll("ol.cards").forEach(function (list) {
    window.Sortable.create(list, {
      group: "board",
      draggable: ".card",
      filter: "form, a",
      preventOnFilter: false,
      animation: 120,
      onEnd: dropped,
    });
  });
})();
