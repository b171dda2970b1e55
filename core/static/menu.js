// The top bar's menu button on a narrow screen: it shows and hides the menu
// (navigation, search, account). On a wide screen the button is hidden and the
// menu always shown; without this script the menu is shown on every screen.
(function () {
  "use strict";

  const topbar = document.querySelector(".topbar");
  const button = topbar && topbar.querySelector(".menu-button");
  if (!button) {
    return;
  }
  topbar.classList.add("menu-closed");
  button.hidden = false;
  button.addEventListener("click", () => {
    const closed = topbar.classList.toggle("menu-closed");
    button.setAttribute("aria-expanded", String(!closed));
  });
})();
