/* onegate holder wallet: a public OAuth client (PKCE S256, code exchange in the browser),
   then the wallet API with the access token kept in sessionStorage. No inline code.

   The wallet session is the provider's session: a tab without a token (a new tab, a
   reload after expiry) first asks the provider silently (prompt=none, OIDC Core
   3.1.2.1); while the person is signed in there the tab gets its own token without a
   click, and only a signed-out person sees the login button. Logging out ends the
   provider session (RP-Initiated Logout), so no other tab signs back in by itself. */
(function () {
  "use strict";
  var body = document.body;
  var issuer = body.dataset.issuer;
  var clientId = body.dataset.clientId;
  var scope = body.dataset.scope;
  var view = body.dataset.view;
  var identifier = body.dataset.identifier;
  var store = window.sessionStorage;
  // The page's words, in its language (rendered by the server into a JSON block).
  var T = JSON.parse(document.getElementById("wallet-text").textContent);
  var STATES = T.states;
  var HOLDER_LABELS = T.holder;
  var KINDS = T.kinds;
  var LANG = document.documentElement.lang || "zh-CN";

  // "{name}" placeholders filled from `values`.
  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }

  function $(id) { return document.getElementById(id); }
  function show(id) { $(id).hidden = false; }
  function say(text) { $("message").textContent = text || ""; }

  function b64url(bytes) {
    var text = "";
    new Uint8Array(bytes).forEach(function (b) { text += String.fromCharCode(b); });
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function randomText(n) { return b64url(crypto.getRandomValues(new Uint8Array(n))); }

  function token() {
    var saved = JSON.parse(store.getItem("wallet.token") || "null");
    if (!saved || saved.expires_at < Date.now()) { return null; }
    return saved.access_token;
  }

  // `silent`: ask the provider without showing it (prompt=none); a page that is not the
  // callback remembers it tried, so a signed-out person is never sent round in a loop.
  async function login(silent) {
    var verifier = randomText(48);
    var digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    var state = randomText(16);
    store.setItem("wallet.pkce", JSON.stringify({ verifier: verifier, state: state,
      back: window.location.pathname, silent: !!silent }));
    var params = new URLSearchParams({ response_type: "code", client_id: clientId,
      redirect_uri: issuer + "/wallet/callback", scope: scope, state: state,
      nonce: randomText(16), code_challenge: b64url(digest), code_challenge_method: "S256",
      ui_locales: document.documentElement.lang });
    if (silent) { params.set("prompt", "none"); }
    window.location.assign("/oauth/authorize?" + params.toString());
  }

  // The provider answers a silent request this way when the person must act there.
  var SILENT_REFUSALS = ["login_required", "consent_required", "interaction_required",
    "account_selection_required"];

  function backTo(pending) {
    return pending && pending.back && pending.back.indexOf("/wallet") === 0 &&
      pending.back !== "/wallet/callback" ? pending.back : "/wallet";
  }

  async function finishLogin() {
    var query = new URLSearchParams(window.location.search);
    var pending = JSON.parse(store.getItem("wallet.pkce") || "null");
    store.removeItem("wallet.pkce");
    if (query.get("error") && pending && pending.silent &&
        SILENT_REFUSALS.indexOf(query.get("error")) >= 0) {
      window.location.replace(backTo(pending));  // signed out: that page offers the login
      return;
    }
    if (query.get("error")) { say(fmt(T.loginIncomplete, { error: query.get("error") })); showLogin(); return; }
    if (!pending || query.get("state") !== pending.state || !query.get("code")) {
      say(T.loginState); showLogin(); return;
    }
    var response = await fetch("/oauth/token", { method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "authorization_code", code: query.get("code"),
        redirect_uri: issuer + "/wallet/callback", client_id: clientId,
        code_verifier: pending.verifier }) });
    var result = await response.json();
    if (!response.ok) { say(fmt(T.loginFailed, { error: result.error || response.status })); showLogin(); return; }
    store.setItem("wallet.token", JSON.stringify({ access_token: result.access_token,
      id_token: result.id_token, expires_at: Date.now() + 1000 * (result.expires_in || 300) }));
    store.removeItem("wallet.silent");
    window.location.replace(backTo(pending));
  }

  // RP-Initiated Logout 1.0 section 2: the id_token as the hint, back to the wallet.
  function logout() {
    var saved = JSON.parse(store.getItem("wallet.token") || "null");
    store.removeItem("wallet.token");
    var params = new URLSearchParams({ client_id: clientId,
      post_logout_redirect_uri: issuer + "/wallet", ui_locales: document.documentElement.lang });
    if (saved && saved.id_token) { params.set("id_token_hint", saved.id_token); }
    window.location.assign("/oauth/logout?" + params.toString());
  }

  async function api(path, options) {
    options = options || {};
    options.headers = Object.assign({ Authorization: "Bearer " + token() }, options.headers);
    var response = await fetch(path, options);
    if (response.status === 401) {
      store.removeItem("wallet.token");
      store.removeItem("wallet.silent");  // the next page load may ask the provider again
      showLogin();
    }
    if (!response.ok) {
      var problem = await response.json().catch(function () { return {}; });
      throw new Error(problem.detail || problem.title || String(response.status));
    }
    return response;
  }

  async function imageInto(path, img) {
    var blob = await (await api(path)).blob();
    var url = await new Promise(function (resolve, reject) {
      var reader = new FileReader();  // CSP allows data: images, not blob:
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
    img.src = url;
    if (img.decode) { await img.decode().catch(function () { /* shown when it loads */ }); }
  }

  // Full-screen QR for a clerk's scanner: a modal <dialog> covering the viewport (white,
  // the QR as large as the smaller side allows), plus the Fullscreen API where the browser
  // grants it. Escape, the close button or leaving browser full screen closes it; focus
  // goes to the close button and back to the opener.
  var opener = null;

  function noop() { /* the CSS overlay alone is enough */ }

  function enterFullscreen() {
    var root = document.documentElement;
    var request = root.requestFullscreen || root.webkitRequestFullscreen;
    if (!request || document.fullscreenElement || document.webkitFullscreenElement) { return; }
    try {
      Promise.resolve(request.call(root, { navigationUI: "hide" })).then(function () {
        if (!$("fullscreen").open) { leaveFullscreen(); }  // closed before it was granted
      }, noop);
    } catch (error) { noop(); }
  }

  function leaveFullscreen() {
    var exit = document.exitFullscreen || document.webkitExitFullscreen;
    if (exit && (document.fullscreenElement || document.webkitFullscreenElement)) {
      try { Promise.resolve(exit.call(document)).catch(noop); } catch (error) { noop(); }
    }
  }

  // `from`: the button that opened it (Safari does not focus a clicked button).
  function openFullscreen(source, title, holder, from) {
    var dialog = $("fullscreen");
    var img = $("fullscreen-qr");
    img.src = source.src;
    img.alt = source.alt;
    $("fullscreen-title").textContent = title;
    $("fullscreen-holder").textContent = holder ? fmt(T.holderIs, { name: holder }) : "";
    $("fullscreen-holder").hidden = !holder;
    opener = from || document.activeElement;
    if (typeof dialog.showModal === "function") {
      if (!dialog.open) { dialog.showModal(); }
    } else {
      dialog.setAttribute("open", "");
    }
    $("fullscreen-close").focus();
    enterFullscreen();
  }

  function closeFullscreen() {
    var dialog = $("fullscreen");
    if (typeof dialog.close === "function") {
      if (dialog.open) { dialog.close(); }
    } else if (dialog.hasAttribute("open")) {
      dialog.removeAttribute("open");
      afterClose();
    }
  }

  function afterClose() {
    leaveFullscreen();
    $("fullscreen-qr").removeAttribute("src");
    var back = opener;
    opener = null;
    if (back && document.contains(back) && typeof back.focus === "function") { back.focus(); }
  }

  function setupFullscreen() {
    var dialog = $("fullscreen");
    $("fullscreen-close").addEventListener("click", closeFullscreen);
    dialog.addEventListener("close", afterClose);
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { event.preventDefault(); closeFullscreen(); }
    });
    ["fullscreenchange", "webkitfullscreenchange"].forEach(function (name) {
      document.addEventListener(name, function () {
        // Escape in browser full screen only leaves full screen: close the view as well.
        if (!document.fullscreenElement && !document.webkitFullscreenElement) { closeFullscreen(); }
      });
    });
  }

  function showLogin() {
    ["list-view", "show-view", "present-view", "print-view"].forEach(function (id) {
      $(id).hidden = true;
    });
    show("login-view");
    $("login").focus();
  }

  function stateOf(licence) { return licence.expired && licence.state === "valid" ? "expired" : licence.state; }

  function badge(el, licence) {
    var state = stateOf(licence);
    el.textContent = STATES[state] || state;
    el.className = "badge badge-" + state;
  }

  // Since when a suspended or revoked licence is so, and the issuer's public reason
  // (never its internal one), in the page's language.
  function statusNote(el, licence) {
    var lines = [];
    var since = T.since[licence.state];
    if (since && licence.state_changed_at) {
      var at = new Date(licence.state_changed_at);
      lines.push(fmt(since, { date: isNaN(at) ? licence.state_changed_at.slice(0, 10) :
        at.toLocaleDateString(LANG, { timeZone: "Asia/Shanghai", year: "numeric",
          month: "long", day: "numeric" }) }));
    }
    var why = licence.public_reason;
    if (why && licence.state !== "valid") {
      var en = LANG.indexOf("en") === 0;
      var note = why.note ? (en ? " (" + why.note + ")" : "（" + why.note + "）") : "";
      lines.push(fmt(T.publicReason, { reason: (en ? why.label_en : why.label_zh) + note }));
    }
    el.textContent = lines.join(" · ");
    el.hidden = lines.length === 0;
  }

  async function renderList() {
    var data = await (await api("/api/v1/wallet/licenses")).json();
    var list = $("licences");
    list.textContent = "";
    data.licenses.forEach(function (licence) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/wallet/l/" + encodeURIComponent(licence.identifier);
      link.className = "card";
      var name = document.createElement("span");
      name.className = "card-title";
      name.textContent = licence.type_name;
      var state = document.createElement("span");
      badge(state, licence);
      var until = document.createElement("span");
      until.className = "card-meta";
      until.textContent = fmt(T.validUntil, { date: licence.valid_until.slice(0, 10) });
      link.append(name, state, until);
      item.append(link);
      list.append(item);
    });
    $("empty").hidden = data.licenses.length > 0;
    show("list-view");
    var names = {};
    data.licenses.forEach(function (licence) { names[licence.identifier] = licence.type_name; });
    await renderUses(names).catch(function (error) {
      say(fmt(T.usesUnavailable, { error: error.message }));
    });
  }

  function when(text) {
    var date = new Date(text);
    return isNaN(date) ? text : date.toLocaleString(LANG, { hour12: false });
  }

  // "Who used my licences": served by the verify package, paged (`next` in the body).
  var USES = "/api/v1/wallet/uses";
  var usesNames = {};
  var usesNext = null;

  // Only the uses endpoint of this origin: the bearer token goes nowhere else,
  // whatever host a response names.
  function usesPage(next) {
    if (typeof next !== "string" || !next) { return null; }
    try {
      var url = new URL(next, window.location.href);
      return url.pathname === USES ? url.pathname + url.search : null;
    } catch (error) { return null; }
  }

  async function renderUses(names) {
    usesNames = names;
    $("uses").textContent = "";
    $("uses-more").addEventListener("click", function () { moreUses(); });
    await loadUses(USES);
  }

  async function moreUses() {
    var button = $("uses-more");
    if (!usesNext || button.disabled) { return; }
    button.disabled = true;
    try {
      var added = await loadUses(usesNext);
      if (button.hidden && added.length) { added[0].focus(); }  // keep keyboard users in place
    } catch (error) {
      say(fmt(T.usesUnavailable, { error: error.message }));
    } finally {
      button.disabled = false;
    }
  }

  async function loadUses(path) {
    var list = $("uses");
    list.setAttribute("aria-busy", "true");
    try {
      var data = await (await api(path)).json();
      var added = data.uses.map(useItem);
      list.append.apply(list, added);
      usesNext = usesPage(data.next);
      $("uses-more").hidden = !usesNext;
      $("uses-empty").hidden = list.children.length > 0;
      return added;
    } finally {
      list.removeAttribute("aria-busy");
    }
  }

  // A clerk acting under the holder's mandate (代办) was verified by the provider:
  // "由 XX 村服务站 王五 代办". Any other staff name is the department's own
  // statement: say so, never show it as a fact.
  function staffText(use) {
    if (use.staff_source === "verified_clerk") {
      return " " + fmt(T.onBehalf, { staff: use.staff, station: use.station || "" });
    }
    return use.staff ? fmt(T.staff, { staff: use.staff }) : "";
  }

  function useItem(use) {
    var names = usesNames;
    var item = document.createElement("li");
    item.className = "use";
    item.tabIndex = -1;
    var who = document.createElement("strong");
    who.className = "use-client";
    // A person knows the department or hall by its name, never by its client id.
    who.textContent = (use.client_name || T.unregistered) + staffText(use);
    var what = document.createElement("span");
    what.className = "use-what";
    what.textContent = (KINDS[use.kind] || use.kind) + " " +
      (names[use.licence_identifier] || use.licence_identifier);
    var purpose = document.createElement("span");
    purpose.className = "use-purpose";
    purpose.textContent = fmt(T.purpose, { purpose: use.purpose });
    var time = document.createElement("time");
    time.dateTime = use.at;
    time.textContent = when(use.at);
    item.append(who, what, purpose, time);
    return item;
  }

  async function labels(licence) {
    var found = Object.assign({}, HOLDER_LABELS);
    try {
      var meta = await (await fetch("/types/" + licence.type)).json();
      Object.entries(meta.schema.properties || {}).forEach(function (entry) {
        found[entry[0]] = entry[1].title || entry[0];
      });
    } catch (error) { /* labels fall back to claim names */ }
    return found;
  }

  function fillClaims(dl, licence, names) {
    dl.textContent = "";
    var values = Object.assign({ holder_name: licence.holder.name,
      holder_id: licence.holder.number }, licence.claims);
    Object.keys(values).forEach(function (key) {
      var dt = document.createElement("dt");
      dt.textContent = names[key] || key;
      var dd = document.createElement("dd");
      var value = values[key];
      dd.textContent = typeof value === "object" ? JSON.stringify(value) : String(value);
      dl.append(dt, dd);
    });
  }

  async function loadLicence() {
    var licence = await (await api("/api/v1/wallet/licenses/" + encodeURIComponent(identifier))).json();
    return { licence: licence, names: await labels(licence) };
  }

  async function renderShow() {
    var found = await loadLicence();
    $("show-title").textContent = found.licence.type_name;
    badge($("show-state"), found.licence);
    statusNote($("show-status"), found.licence);
    fillClaims($("show-claims"), found.licence, found.names);
    $("present-link").href = "/wallet/l/" + encodeURIComponent(identifier) + "/present";
    $("print-link").href = "/wallet/l/" + encodeURIComponent(identifier) + "/print";
    show("show-view");
    await imageInto("/api/v1/licenses/" + encodeURIComponent(identifier) + "/qr.png", $("show-qr"));
    var button = $("show-fullscreen");
    button.addEventListener("click", function () {
      openFullscreen($("show-qr"), found.licence.type_name, found.licence.holder.name, button);
    });
    button.hidden = false;
  }

  async function renderPresent() {
    var found = await loadLicence();
    var box = $("present-choices");
    box.textContent = "";
    found.licence.disclosable.forEach(function (name, index) {
      var row = document.createElement("div");
      row.className = "choice";
      var input = document.createElement("input");
      input.type = "checkbox"; input.id = "disclose-" + index; input.value = name;
      var label = document.createElement("label");
      label.htmlFor = input.id;
      label.textContent = found.names[name] || name;
      row.append(input, label);
      box.append(row);
    });
    $("present-form").addEventListener("submit", function (event) {
      event.preventDefault();
      present().catch(function (error) { say(fmt(T.presentFailed, { error: error.message })); });
    });
    $("presentation-fullscreen").addEventListener("click", function (event) {
      // The holder's name is shown only if the presentation itself discloses it.
      var licence = found.licence;
      var shown = licence.disclosable.indexOf("holder_name") < 0 ||
        presented.indexOf("holder_name") >= 0;
      openFullscreen($("presentation-qr"), licence.type_name, shown ? licence.holder.name : "",
        event.currentTarget);
    });
    show("present-view");
  }

  var presented = [];

  async function present() {
    var chosen = Array.from(document.querySelectorAll("#present-choices input:checked"))
      .map(function (input) { return input.value; });
    var response = await api("/api/v1/wallet/licenses/" + encodeURIComponent(identifier) + "/present", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ disclose: chosen }) });
    var result = await response.json();
    presented = result.disclosed || chosen;
    $("presentation-text").value = result.presentation;
    $("presentation-text").hidden = false;
    $("presentation-label").hidden = false;
    if (result.qr_png) {
      $("presentation-qr").src = result.qr_png;
      $("presentation-figure").hidden = false;
      $("presentation-fullscreen").hidden = false;
    } else {
      $("presentation-figure").hidden = true;
      $("presentation-fullscreen").hidden = true;
      say(T.tooMuch);
    }
  }

  async function renderPrint() {
    var found = await loadLicence();
    $("print-title").textContent = found.licence.type_name;
    $("print-identifier").textContent = found.licence.identifier;
    fillClaims($("print-claims"), found.licence, found.names);
    $("print-button").addEventListener("click", function () { window.print(); });
    show("print-view");
    await imageInto("/api/v1/licenses/" + encodeURIComponent(identifier) + "/qr.png", $("print-qr"));
  }

  async function main() {
    $("login").addEventListener("click", function () { login(false); });
    setupFullscreen();
    $("logout").addEventListener("click", logout);
    if (view === "callback") { await finishLogin(); return; }
    if (!token()) {
      if (!store.getItem("wallet.silent")) {
        store.setItem("wallet.silent", "tried");
        await login(true);
        return;
      }
      store.removeItem("wallet.silent");  // the next visit asks the provider again
      showLogin();
      return;
    }
    $("logout").hidden = false;
    var views = { list: renderList, show: renderShow, present: renderPresent, print: renderPrint };
    await (views[view] || renderList)();
  }

  main().catch(function (error) { say(fmt(T.failed, { error: error.message })); });
})();
