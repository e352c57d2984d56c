// O12: the case file's Print button (inline handlers are refused by the CSP).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
