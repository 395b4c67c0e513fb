// The self-service page's only script (served from the same origin: the CSP allows no inline script).
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // After a link is opened: move on to the page, replacing the link in the history.
  const next = document.querySelector("[data-auto-continue]");
  if (next) location.replace(next.getAttribute("href"));

  // Copy buttons: copy the named field, and say so to screen readers too.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const field = document.getElementById(button.dataset.copy);
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
      } catch {
        document.execCommand("copy");
      }
      let status = button.parentElement.querySelector(".copied");
      if (!status) {
        status = document.createElement("span");
        status.className = "copied";
        status.setAttribute("role", "status");
        button.after(status);
      }
      status.textContent = "Copied.";
    });
  }
});
