// The card form. Stripe Elements mounts the card field (served by Stripe, in its own frame);
// stripe.createPaymentMethod sends the card to Stripe and gives back a payment method id;
// the page posts that id to the hub, which confirms the payment with Stripe on the server and
// records it. When the bank asks for authentication (3-D Secure), the hub sends the member
// back here with ?action=1: stripe.handleCardAction runs it, and the page posts again.
(function () {
  "use strict";
  var form = document.getElementById("card-form");
  if (!form) { return; }
  var errors = document.getElementById("card-errors");
  var button = document.getElementById("card-pay");
  var confirmForm = document.getElementById("confirm-form");
  if (typeof window.Stripe !== "function") {
    errors.textContent = errors.dataset.unavailable;
    button.disabled = true;
    return;
  }
  var stripe = window.Stripe(form.dataset.key, { locale: form.dataset.locale });
  function failed(error) {
    errors.textContent = (error && error.message) || String(error);
    button.disabled = false;
  }
  if (form.dataset.action === "1") {
    stripe.handleCardAction(form.dataset.secret).then(function (result) {
      if (result.error) { failed(result.error); } else { confirmForm.submit(); }
    });
  }
  var card = stripe.elements().create("card", { hidePostalCode: true });
  card.mount("#card-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.textContent = "";
    stripe.createPaymentMethod({ type: "card", card: card }).then(function (result) {
      if (result.error) { failed(result.error); return; }
      confirmForm.elements.payment_method_id.value = result.paymentMethod.id;
      confirmForm.submit();
    }, failed);
  });
})();
