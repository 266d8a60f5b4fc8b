// Menus of the top bar: one open at a time, closed by a click elsewhere or Escape.
document.addEventListener("click", (event) => {
  for (const menu of document.querySelectorAll("details.navgroup[open]")) {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  }
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of document.querySelectorAll("details.navgroup[open]")) menu.removeAttribute("open");
});

// Behaviour that pages declare with data attributes: the Content-Security-Policy allows
// no inline script, so no onclick/onsubmit/onchange attributes.
// <form data-confirm="确定…？">: ask before submitting.
document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
});
// <button data-print>: print the page.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
// <select data-autosubmit>: submit its form as soon as the choice changes.
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.requestSubmit();
});
// <a data-back href="…">: go back in the history (the form as the user left it); the
// href (the page the user came from, or the start page) when there is no history.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (!link || window.history.length <= 1) return;
  event.preventDefault();
  window.history.back();
});
