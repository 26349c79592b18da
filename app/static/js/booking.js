// The resource page: refresh the quote (price, credit held, cancellation terms) as the member
// edits the booking form. Without this script the page still shows the quote of the slot in
// its address (picked by tapping the calendar or a preset).
(function () {
  var form = document.getElementById("booking-form");
  if (!form || !window.fetch) return;
  var url = form.getAttribute("data-quote-url");
  var timer = null;
  function refresh() {
    var params = new URLSearchParams();
    ["start", "end", "quantity"].forEach(function (name) {
      var input = form.elements[name];
      if (input) params.set(name, input.value);
    });
    var onAccount = form.elements["pay_on_account"];
    if (onAccount && onAccount.checked) params.set("pay_on_account", "1");
    fetch(url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        var box = document.getElementById("quote");
        if (html && box) box.outerHTML = html;
      })
      .catch(function () {});
  }
  form.addEventListener("change", function (event) {
    if (["start", "end", "quantity", "pay_on_account"].indexOf(event.target.name) < 0) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  });
})();
