// The card form: Stripe Elements mounts the card field (served by Stripe, in its own frame);
// stripe.confirmCardPayment sends the card to Stripe with the payment's client secret; then
// the page posts back to the hub, which asks Stripe how the payment stands and records it.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form) { return; }
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-pay");
  if (typeof window.Stripe !== "function") {
    errors.textContent = errors.dataset.unavailable;
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(form.dataset.key, { locale: form.dataset.locale });
  var elements = stripe.elements();
  var card = elements.create("card", { hidePostalCode: true });
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    stripe.confirmCardPayment(form.dataset.secret, { payment_method: { card: card } }).then(function (result) {
      if (result.error) {
        errors.textContent = result.error.message || String(result.error);
        button.disabled = false;
        return;
      }
      document.getElementById("confirm-form").submit();
    });
  });
})();
