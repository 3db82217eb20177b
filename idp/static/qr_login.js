/* "Scan with your phone": polls /login/qr/poll until the phone answers, then goes on.
   No framework, no CDN; without script the page's Continue button does the same. */
(function () {
  "use strict";
  var box = document.getElementById("qr-login");
  if (!box || !window.fetch) { return; }
  var form = document.getElementById("qr-continue");
  var token = form.querySelector("input[name=csrf_token]").value;
  var status = document.getElementById("qr-status");
  var interval = parseInt(box.getAttribute("data-interval"), 10) || 5;

  function show(key) { status.textContent = box.getAttribute("data-msg-" + key) || ""; }

  function poll() {
    fetch(box.getAttribute("data-poll-url"), {
      method: "POST", credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (answer) {
      if (answer.status === "pending") {
        interval = answer.interval || interval;
        window.setTimeout(poll, interval * 1000);
      } else if (answer.status === "approved") {
        show("approved");
        window.location.assign(answer.next);
      } else {
        show(answer.status);
        box.setAttribute("data-ended", answer.status);
      }
    }).catch(function () {
      show("error");
      window.setTimeout(poll, (interval + 5) * 1000);
    });
  }

  window.setTimeout(poll, interval * 1000);
}());
