// The clerk's link carries the login name and the code in the fragment, which the
// browser never sends to a server: copy them into the form, then drop the fragment
// from the address bar and history so the code is not left behind on the device.
(function () {
  "use strict";
  var hash = window.location.hash.replace(/^#/, "");
  if (!hash) { return; }
  var values = new URLSearchParams(hash);
  ["login", "code"].forEach(function (name) {
    var field = document.getElementById(name);
    if (field && values.get(name)) { field.value = values.get(name); }
  });
  history.replaceState(null, "", window.location.pathname + window.location.search);
  var code = document.getElementById("code");
  if (code && code.value) { document.querySelector("#reset-form button").focus(); }
}());
