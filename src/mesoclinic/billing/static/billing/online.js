// The card form of the patient's payment pages: Stripe.js (or localstripe's shim in the tests) shows the
// card field; the card becomes a token (a payment) or confirms the SetupIntent (a saved card) in the
// browser, and only the token or the fact of it is posted to MesoClinic.
(function () {
  "use strict";
  const form = document.getElementById("card-form");
  if (!form || typeof window.Stripe !== "function") {
    return;
  }
  const stripe = window.Stripe(form.dataset.stripeKey);
  const elements = stripe.elements();
  const card = elements.create("card");
  card.mount("#card-element");
  const errors = document.getElementById("card-errors");
  const submit = document.getElementById("card-submit");
  let sending = false;

  function fail(error) {
    errors.textContent = (error && error.message) || gettext("The card was not accepted. Please check it and try again.");
    submit.disabled = false;
    sending = false;
  }

  form.addEventListener("submit", async function (event) {
    if (sending) {
      event.preventDefault();
      return;
    }
    event.preventDefault();
    sending = true;
    submit.disabled = true;
    errors.textContent = "";
    try {
      if (form.dataset.mode === "setup") {
        const result = await stripe.confirmCardSetup(form.dataset.clientSecret, { payment_method: { card: card } });
        if (result.error) {
          fail(result.error);
          return;
        }
      } else {
        const result = await stripe.createToken(card);
        if (result.error || !result.token) {
          fail(result.error);
          return;
        }
        document.getElementById("card-token").value = result.token.id;
      }
      form.submit();
    } catch (err) {
      fail(err);
    }
  });
})();
