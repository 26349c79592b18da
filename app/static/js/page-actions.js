// Buttons that act on the page itself, without inline script (the Content-Security-Policy
// allows scripts from our own files only): data-print prints, data-back goes back.
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-print], [data-back]");
  if (!target) {
    return;
  }
  event.preventDefault();
  if (target.hasAttribute("data-print")) {
    window.print();
  } else if (window.history.length > 1) {
    window.history.back();
  } else {
    window.location.href = target.getAttribute("href") || "/";
  }
});
