// The resource page: refresh the quote (price, credit held, cancellation terms) as the member
// edits the booking form. Without this script the page still shows the quote of the slot in
// its address (picked by tapping the calendar or a preset).
(function () {
  var form = document.getElementById("booking-form");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-quote-url");
  var fields = ["start", "end", "quantity", "pay_on_account"];
  var timer = null;
  var asked = 0;  // only the reply to the latest question may replace the quote
  function refresh() {
    var params = new URLSearchParams();
    ["start", "end", "quantity"].forEach(function (name) {
      var input = form.elements[name];
      if (input) params.set(name, input.value);
    });
    var onAccount = form.elements["pay_on_account"];
    if (onAccount && onAccount.checked) params.set("pay_on_account", "1");
    var question = ++asked;
    fetch(url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var box = document.getElementById("quote");
        if (html && box && question === asked) box.outerHTML = html;
      })
      .catch(function () {});
  }
  function edited(name) {
    var input = form.elements[name];
    if (!input) return false;
    return input.type === "checkbox" ? input.checked !== input.defaultChecked : input.value !== input.defaultValue;
  }
  form.addEventListener("change", function (event) {
    if (fields.indexOf(event.target.name) < 0) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
  // The form may have changed before this script ran (a tap while the page loaded, or the
  // browser restoring a form after "back"): the quote rendered with the page is then stale.
  if (fields.some(edited)) refresh();
})();
