// The letter page's "印刷する" button: shown only when this script runs (CSP: no inline script).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
