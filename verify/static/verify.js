/* Verifier page: camera scanning (jsQR, served by us), photo upload and pasted text,
   all posted to /api/v1/verify; the verdict is written with textContent only. With no
   network, offline codes are verified in the page (offline.js) against the cached
   signed bundle, photos read with jsQR here. */
(function () {
  "use strict";
  var labels = JSON.parse(document.getElementById("verify-labels").textContent);
  var words = labels.words;
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }
  function reason(c) { return labels.lang === "en" ? c.reason : (c.reason_zh || c.reason); }
  function step(name) { return labels.steps[name] || name; }
  var region = document.getElementById("result");
  var stream = null;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showError(message, refusal) {
    region.replaceChildren();
    var box = el("div", "verdict bad");
    box.setAttribute("role", "alert");
    if (refusal) box.dataset.refusal = refusal;
    box.appendChild(el("p", "verdict-title", message));
    region.appendChild(box);
    region.focus();
  }

  function show(result) {
    var s = labels.status[result.status] || labels.status.invalid;
    region.replaceChildren();
    var box = el("div", "verdict " + s.tone);
    box.setAttribute("role", "alert");
    box.dataset.status = result.status;
    box.appendChild(el("p", "verdict-title", s.title));
    var failed = result.checks.filter(function (c) { return c.ok === false; })[0];
    if (failed) box.appendChild(el("p", "verdict-reason", step(failed.step) + words.colon + reason(failed)));
    var checked = result.checked || {};
    var clerk = labels.clerk;
    if (checked.status_changed_at && clerk[result.status + "_at"]) {
      var since = el("p", "verdict-since", clerk[result.status + "_at"] + words.colon);
      since.appendChild(time(checked.status_changed_at));
      box.appendChild(since);
    }
    var why = checked.status_reason;
    if (why) {
      var en = labels.lang === "en";
      box.appendChild(el("p", "verdict-why", clerk.status_reason + words.colon +
        (en ? why.label_en : why.label_zh) +
        (why.note ? (en ? " (" : "（") + why.note + (en ? ")" : "）") : "")));
    }
    var lic = result.license;
    if (lic && !result.valid) {
      var whose = el("p", "verdict-whose", words.refused + (lic.type_name || lic.type) + " · ");
      whose.appendChild(el("span", "mono", lic.identifier));
      if (lic.holder_name) {
        whose.appendChild(document.createTextNode(" · " + words.holder + " " + lic.holder_name));
      }
      box.appendChild(whose);
    }
    region.appendChild(box);
    if (lic && result.valid) {
      var compare = el("p", "compare", clerk.compare);
      compare.setAttribute("role", "note");
      region.appendChild(compare);
    }
    region.appendChild(circumstances(checked));
    if (lic) {
      region.appendChild(el("h2", "licence-title", clerk.details));
      region.appendChild(licence(lic));
    }
    region.appendChild(checks(result.checks));
    region.focus();
  }

  // Beijing time, as the server-rendered page shows it.
  function time(stamp) {
    var node = el("time", "", stamp);
    node.dateTime = stamp;
    var date = new Date(stamp);
    if (!isNaN(date)) {
      node.textContent = date.toLocaleString(labels.lang === "en" ? "en-GB" : "zh-CN", {
        timeZone: "Asia/Shanghai", hour12: false, year: "numeric", month: labels.lang === "en" ?
        "short" : "long", day: "numeric", hour: "2-digit", minute: "2-digit",
        second: "2-digit" }) + labels.clerk.beijing;
    }
    return node;
  }

  function circumstances(checked) {
    var dl = el("dl", "checked");
    dl.appendChild(el("dt", "", labels.clerk.checked_at));
    var when = el("dd");
    if (checked.checked_at) when.appendChild(time(checked.checked_at));
    dl.appendChild(when);
    dl.appendChild(el("dt", "", labels.clerk.mode));
    if (checked.mode === "offline") {
      var how = el("dd", "offline-mode");
      how.textContent = fmt(words.offline_mode, { as_of: time(checked.status_as_of).textContent,
                                                  age: checked.data_age });
      dl.appendChild(how);
    } else {
      dl.appendChild(el("dd", "", labels.clerk.online));
    }
    return dl;
  }

  function licence(lic) {
    var dl = el("dl", "licence");
    function row(name, value, cls, claim) {
      var dt = el("dt", "", name);
      if (claim) dt.dataset.claim = claim;
      dl.appendChild(dt);
      dl.appendChild(el("dd", cls || "", typeof value === "string" ? value : JSON.stringify(value)));
    }
    if (lic.type_name) row(words.type, lic.type_name);
    row(words.identifier, lic.identifier, "mono");
    row(words.issuer, lic.issuer_name);
    (lic.display || []).forEach(function (item) {
      row(labels.claims[item.claim] || item.label, item.value, "", item.claim);
    });
    return dl;
  }

  function checks(list) {
    var details = el("details", "checks");
    details.appendChild(el("summary", "", words.steps));
    var ol = el("ol");
    list.forEach(function (c) {
      var cls = c.ok === true ? "pass" : (c.ok === false ? "fail" : "skip");
      ol.appendChild(el("li", "check " + cls, step(c.step) + words.colon + reason(c)));
    });
    details.appendChild(ol);
    return details;
  }

  // With no network: verify in the page; a refusal (no, stale or unsigned data, a form
  // that needs the network) is said as such, never as a verdict on the licence.
  var offline = window.OnegateOffline;
  function verifyOffline(text) {
    region.replaceChildren(el("p", "muted", words.working));
    return offline.verify(text).then(show, function (e) {
      showError(e instanceof offline.Refusal ? e.message : words.offline_bad,
                e instanceof offline.Refusal ? e.state : "bad");
    });
  }

  function post(body, headers, text) {
    if (!navigator.onLine && offline && text !== undefined) return verifyOffline(text);
    region.replaceChildren(el("p", "muted", words.working));
    return fetch("/api/v1/verify", { method: "POST", body: body, headers: headers || {},
                                     credentials: "omit" })
      .then(function (response) {
        return response.json().then(function (data) {
          if (response.ok) return show(data);
          var slug = typeof data.type === "string" ? data.type.split("/").pop() : "";
          showError(labels.problems[slug] || data.detail || data.title ||
                    fmt(words.error, { status: response.status }));
        }, function () { showError(fmt(words.error, { status: response.status })); });
      }, function () {
        // No answer at all (the network is gone, whatever navigator.onLine says).
        if (offline && text !== undefined) return verifyOffline(text);
        showError(words.network);
      });
  }

  function verifyText(text) {
    return post(JSON.stringify({ credential: text }), { "Content-Type": "application/json" },
                text);
  }

  // A photo read here (no network to send it to).
  function readPhoto(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var c = document.createElement("canvas");
      c.width = bitmap.width; c.height = bitmap.height;
      var ctx = c.getContext("2d");
      ctx.drawImage(bitmap, 0, 0);
      var frame = ctx.getImageData(0, 0, c.width, c.height);
      var code = window.jsQR(frame.data, frame.width, frame.height,
                             { inversionAttempts: "attemptBoth" });
      if (!code || !code.data) throw new Error("no code");
      return code.data;
    });
  }

  document.getElementById("paste-form").addEventListener("submit", function (event) {
    event.preventDefault();
    verifyText(document.getElementById("credential").value);
  });

  document.getElementById("upload-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = document.getElementById("image");
    if (!input.files.length) { showError(words.choose); return; }
    if (!navigator.onLine && offline) {
      readPhoto(input.files[0]).then(verifyOffline, function () {
        showError(words.image + labels.problems["no-qr-code"]);
      });
      return;
    }
    var form = new FormData();
    form.append("image", input.files[0]);
    post(form);
  });
  document.getElementById("image").addEventListener("change", function () {
    if (this.files.length) document.getElementById("upload-form").requestSubmit();
  });

  var video = document.getElementById("camera");
  var canvas = document.getElementById("camera-canvas");
  var note = document.getElementById("camera-note");
  var startButton = document.getElementById("camera-start");
  var stopButton = document.getElementById("camera-stop");

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    video.hidden = true; stopButton.hidden = true; startButton.hidden = false;
  }

  // Continuous mode (a counter): the camera stays on and each new code is verified as
  // it is read; the same code held in front of the camera is not verified again until
  // another code (or nothing, for a few seconds) has been seen.
  var continuous = document.getElementById("continuous");
  var lastCode = null;
  var lastSeen = 0;
  var busy = false;
  var REPEAT_AFTER_MS = 4000;

  function read() {
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    var frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
    return code && code.data ? code.data : null;
  }

  function fresh(text) {
    var now = Date.now();
    var repeat = text === lastCode && now - lastSeen < REPEAT_AFTER_MS;
    lastSeen = now;
    lastCode = text;
    return !repeat;
  }

  function scan() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA && !busy) {
      var text = read();
      if (text && !continuous.checked) {
        stopCamera();
        note.textContent = words.camera_read;
        verifyText(text);
        return;
      }
      if (text && fresh(text)) {
        busy = true;
        note.textContent = words.camera_working;
        verifyText(text).then(function () {
          busy = false;
          note.textContent = labels.clerk.next;
        });
      }
    }
    window.requestAnimationFrame(scan);
  }

  startButton.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      note.textContent = words.camera_none;
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false; stopButton.hidden = false; startButton.hidden = true;
        note.textContent = words.camera_aim;
        return video.play().then(function () { window.requestAnimationFrame(scan); });
      })
      .catch(function () { note.textContent = words.camera_denied; });
  });
  stopButton.addEventListener("click", stopCamera);
})();
