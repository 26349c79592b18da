// A form with data-confirm="…" asks before it is sent (cancelling, revoking, posting…).
// "{amount}" in the question is the amount typed in the form's `amount` field, or, left
// empty, its data-amount-default (paying an invoice in part states what is paid). A no-break
// space before the currency, as the pages write amounts.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var message = form.getAttribute("data-confirm");
  if (message && message.indexOf("{amount}") >= 0) {
    var input = form.elements["amount"];
    var typed = input && input.value.trim();
    var amount = typed ? typed + "\u00a0" + (form.getAttribute("data-currency") || "") : form.getAttribute("data-amount-default");
    message = message.replace("{amount}", amount.trim());
  }
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
