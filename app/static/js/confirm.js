// A form with data-confirm="…" asks before it is sent (cancelling, revoking, posting…).
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
