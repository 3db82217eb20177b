/* The verifier page without a network: verifies the printed offline code (LIC1:) in the
   page, against the signed offline bundle the page keeps in the browser's cache.

   The same ordered steps as the server's pipeline (verify/pipeline.py) for the offline
   form: parse (Base45 -> zlib -> CBOR COSE_Sign1 -> CWT -> compact licence), issuer in
   the trust list, algorithm, key, signature (WebCrypto, RFC 9052 Sig_structure, r||s),
   time with the server's leeway, status from the bundle's signed status lists,
   disclosures, key binding. The checks' reasons come from the page's labels
   (verify/page_labels.py REASONS), so verdicts and wording match the server's.

   The bundle must carry a valid signature by one of the provider keys pinned into the
   page (never by the keys the bundle itself carries), and be no older than its max-age.
   The decoders are in offline-formats.js. Exposes window.OnegateOffline: refresh(),
   verify(text), available(). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("verify-offline").textContent);
  var labels = JSON.parse(document.getElementById("verify-labels").textContent);
  var words = labels.words;
  var REASONS = labels.reasons;
  var TABLES = labels.tables;
  var CACHE = "onegate-verify-v1";
  var BUNDLE_TYP = "onegate-bundle+jwt";
  var MAX_TEXT = 65536, MAX_LIST_BYTES = 16 * 1024 * 1024, KID_BYTES = 8;
  var ALGORITHMS = ["ES256", "EdDSA"];
  var IDENTIFIED = ["revoked", "suspended", "expired", "not_yet_valid"];
  var STEPS = ["parse", "issuer_trusted", "algorithm", "key", "signature", "time", "status",
               "disclosures", "key_binding"];
  var subtle = window.crypto && window.crypto.subtle;

  function fmt(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) {
      return values[key] === undefined ? all : String(values[key]);
    });
  }

  // -- errors: a format error (its wire code, offline-formats.js), a failed step, a
  // refusal to verify

  var F = window.OnegateFormats;
  var FormatError = F.FormatError, CborMap = F.CborMap, CborFloat = F.CborFloat, hex = F.hex;
  var b64uDecode = F.b64uDecode, b64uEncode = F.b64uEncode, inflate = F.inflate;
  var isInt = F.isInt, numericDate = F.numericDate, equalBytes = F.equalBytes;
  var verifySignature = F.verifySignature, jwsParts = F.jwsParts, jwsVerify = F.jwsVerify;
  function Fail(key, values) { this.key = key; this.values = values || {}; }
  function Refusal(state, message) { this.state = state; this.message = message; }

  // GB/T 36904 identifier, lenient as the server's pipeline reads it (identifiers/).
  var ID36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var TYPE_CODE = /^[0-9A-Z]{18}[0-9]{3}$/;
  function mod3736(data) {
    var p = 36;
    for (var i = 0; i < data.length; i++) {
      p = (p + ID36.indexOf(data[i])) % 36 || 36;
      p = (p * 2) % 37;
    }
    return ID36[(37 - p) % 36];
  }
  function parseLicenceId(text) {
    var prefix = "1.2.156.3005.2.";
    if (text.indexOf(prefix) !== 0) throw new Fail("bad_identifier", { detail: "bad_format" });
    var parts = text.slice(prefix.length).split(".");
    if (parts.length !== 5) throw new Fail("bad_identifier", { detail: "bad_format" });
    var code = /^[0-9A-Z]+$/;
    if (!/^[0-9]{3}$/.test(parts[3])) throw new Fail("bad_identifier", { detail: "bad_version" });
    if (!TYPE_CODE.test(parts[0])) throw new Fail("bad_identifier", { detail: "bad_type_code" });
    if (!code.test(parts[1])) throw new Fail("bad_identifier", { detail: "bad_issuer_code" });
    if (!code.test(parts[2]) || parts[2].length > 64 || parts[4].length !== 1 ||
        ID36.indexOf(parts[4]) < 0) throw new Fail("bad_identifier", { detail: "bad_format" });
    if (mod3736(parts[0] + parts[1] + parts[2] + parts[3]) !== parts[4]) {
      throw new Fail("bad_identifier", { detail: "bad_check_character" });
    }
    return { type_code: parts[0], issuer_code: parts[1] };
  }

  // -- keys and signatures (WebCrypto) --------------------------------------------------

  function importJwk(jwk) {
    if (jwk.kty === "EC" && jwk.crv === "P-256") {
      return subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y },
                              { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"])
        .then(function (key) { return { kind: "ES256", key: key }; });
    }
    if (jwk.kty === "OKP" && jwk.crv === "Ed25519") {
      return subtle.importKey("jwk", { kty: "OKP", crv: "Ed25519", x: jwk.x }, { name: "Ed25519" },
                              false, ["verify"])
        .then(function (key) { return { kind: "EdDSA", key: key }; }, function (e) {
          if (e && e.name === "NotSupportedError") throw new Refusal("alg", words.offline_alg);
          throw e;
        });
    }
    if (jwk.kty === "RSA" && jwk.n && jwk.e) return Promise.resolve({ kind: "RS256", key: null });
    return Promise.reject(new Error("unusable key"));
  }


  // -- the bundle ----------------------------------------------------------------------

  var loaded = { token: null, bundle: null };

  // The bundle from the cache, its signature checked against the pinned provider keys.
  // Resolves to null when there is none; rejects with a Refusal ("bad").
  function loadBundle() {
    if (!window.caches) return Promise.resolve(null);
    return caches.match(config.bundle).then(function (response) {
      return response ? response.text() : null;
    }).then(function (text) {
      if (text === null) return null;
      var token;
      try { token = JSON.parse(text).bundle; } catch (e) { throw bad(); }
      if (token === loaded.token) return loaded.bundle;
      return checkBundle(token).then(function (bundle) {
        loaded.token = token;
        loaded.bundle = bundle;
        return bundle;
      });
    });
  }

  function bad() { return new Refusal("bad", words.offline_bad); }

  function checkBundle(token) {
    var jws;
    try { jws = jwsParts(token); } catch (e) { return Promise.reject(bad()); }
    var keys = (config.provider_jwks && config.provider_jwks.keys) || [];
    var jwk = keys.filter(function (k) { return k.kid === jws.header.kid; })[0];
    if (jws.header.typ !== BUNDLE_TYP || !jwk) return Promise.reject(bad());
    return importJwk(jwk).then(function (imported) {
      return jwsVerify(jws, imported, ALGORITHMS);
    }).then(function () {
      var p = jws.payload;
      var trust = p.trust_list || {};
      if (!isInt(p.iat) || !isInt(p.max_age) || !p.status_lists ||
          typeof p.status_lists !== "object" || !Array.isArray(trust.issuers)) throw bad();
      return { iat: p.iat, maxAge: p.max_age, issuers: trust.issuers, lists: p.status_lists,
               reasons: publicReasons(p.public_reasons), verified: {} };
    }, function (e) { throw e instanceof Refusal && e.state !== "bad" ? e : bad(); });
  }

  // The bundle's public reasons (verify/bundle.py, version 1): uri -> idx -> code, and
  // the labels. Absent (an older bundle) or of another version: no reasons, not a guess.
  function publicReasons(claim) {
    var found = { codes: {}, labels: {} };
    if (!claim || claim.v !== 1 || typeof claim.lists !== "object" ||
        typeof claim.labels !== "object") return found;
    Object.keys(claim.lists).forEach(function (uri) {
      var byCode = claim.lists[uri] || {};
      Object.keys(byCode).forEach(function (code) {
        (Array.isArray(byCode[code]) ? byCode[code] : []).forEach(function (idx) {
          found.codes[uri + "#" + idx] = code;
        });
      });
    });
    found.labels = claim.labels;
    return found;
  }

  function publicReason(bundle, uri, idx) {
    var code = bundle.reasons && bundle.reasons.codes[uri + "#" + idx];
    if (!code) return null;
    var label = bundle.reasons.labels[code] || {};
    return { code: code, label_zh: label.zh || code, label_en: label.en || code, note: null };
  }

  function describeAge(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var days = Math.floor(seconds / 86400), rest = seconds % 86400;
    var hours = Math.floor(rest / 3600), minutes = Math.floor(rest % 3600 / 60), secs = rest % 60;
    var values = { days: days, hours: hours, minutes: minutes, seconds: secs };
    if (days) return fmt(words.age_days, values);
    if (hours) return fmt(words.age_hours, values);
    return fmt(minutes ? words.age_minutes : words.age_seconds, values);
  }

  function iso(epoch) { return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"); }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function beijingMinutes(epoch) {  // the pipeline's _beijing: to the minute
    var d = new Date((epoch + 8 * 3600) * 1000);
    return d.getUTCFullYear() + "年" + pad(d.getUTCMonth() + 1) + "月" + pad(d.getUTCDate()) +
      "日 " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + "（北京时间）";
  }
  function beijingTime(epoch) {  // as the page shows times: to the second, page language
    return new Date(epoch * 1000).toLocaleString(labels.lang === "en" ? "en-GB" : "zh-CN", {
      timeZone: "Asia/Shanghai", hour12: false, year: "numeric",
      month: labels.lang === "en" ? "short" : "long", day: "numeric", hour: "2-digit",
      minute: "2-digit", second: "2-digit" }) + labels.clerk.beijing;
  }

  function freshness(bundle, now) {
    var age = now - bundle.iat;
    var values = { as_of: beijingTime(bundle.iat), age: describeAge(age),
                   max_age: describeAge(bundle.maxAge) };
    return { stale: age > bundle.maxAge, age: age, values: values };
  }

  // -- status lists (draft-ietf-oauth-status-list), evaluated as of the bundle's iat ----

  function statusList(bundle, issuer, uri) {
    var key = issuer.issuer + " " + uri;
    if (!bundle.verified[key]) bundle.verified[key] = readList(bundle, issuer, uri);
    return bundle.verified[key];
  }

  function readList(bundle, issuer, uri) {
    var token = bundle.lists[uri];
    if (typeof token !== "string") return Promise.reject(new Fail("no_list"));
    var jws;
    try { jws = jwsParts(token); } catch (e) {
      return Promise.reject(new Fail("list_bad", { code: e.code }));
    }
    var jwk = typeof jws.header.kid === "string" ? issuerKey(issuer, jws.header.kid) : null;
    if (!jwk) return Promise.reject(new Fail("list_signer"));
    return importJwk(jwk).catch(function (e) {
      if (e instanceof Refusal) throw e;
      throw new Fail("list_key");
    }).then(function (imported) {
      return jwsVerify(jws, imported, ALGORITHMS);
    }).then(function () {
      var p = jws.payload;
      if (jws.header.typ !== "statuslist+jwt") throw new FormatError("invalid_header");
      if (p.sub !== uri) throw new FormatError("subject_mismatch");
      numericDate(p.iat, true);
      var exp = numericDate(p.exp, false);
      if (exp !== null && bundle.iat >= exp) throw new FormatError("expired");
      numericDate(p.ttl, false);
      var claim = p.status_list;
      if (!claim || typeof claim !== "object") throw new FormatError("missing_claim");
      if (typeof claim.lst !== "string" || [1, 2, 4, 8].indexOf(claim.bits) < 0) {
        throw new FormatError("invalid_claim");
      }
      var bits = claim.bits;
      return inflate(b64uDecode(claim.lst), MAX_LIST_BYTES).then(function (data) {
        if (!data.length) throw new FormatError("invalid_status_list");
        var size = Math.floor(data.length * 8 / bits);
        return { get: function (idx) {
          if (idx >= size) throw new Fail("list_index");
          var position = idx * bits;
          return (data[position >> 3] >> (position & 7)) & ((1 << bits) - 1);
        } };
      });
    }).catch(function (e) {
      if (e instanceof FormatError) throw new Fail("list_bad", { code: e.code });
      throw e;
    });
  }

  function issuerKey(issuer, kid) {
    var keys = (issuer.jwks && issuer.jwks.keys) || [];
    return keys.filter(function (k) { return k && k.kid === kid; })[0] || null;
  }

  // -- claims as the server shows them (verify/labels.py display) ----------------------

  function claimValue(name, value) {
    if ((name === "holder_id_type" || name === "holder_code_type") &&
        (typeof value === "string" || isInt(value))) {
      return TABLES.code_types[String(value)] || String(value);
    }
    if (typeof value === "boolean") return value ? "是" : "否";
    if (typeof value === "string") return value;
    if (value instanceof CborFloat) {
      return Number.isInteger(value.value) ? value.value + ".0" : String(value.value);
    }
    if (Array.isArray(value) && value.every(function (v) {
      return typeof v === "string" || typeof v === "number" || v instanceof CborFloat; })) {
      return value.map(function (v) { return claimValue("", v); }).join("、");
    }
    if (typeof value === "number") return String(value);
    return JSON.stringify(plain(value));
  }
  function plain(value) {
    if (value instanceof CborMap) {
      var out = {};
      value.pairs().forEach(function (e) { out[String(e[0])] = plain(e[1]); });
      return out;
    }
    if (Array.isArray(value)) return value.map(plain);
    if (value instanceof CborFloat) return value.value;
    if (value instanceof Uint8Array) return hex(value);
    return value;
  }
  function display(claims, titles) {
    return claims.filter(function (e) { return TABLES.hidden.indexOf(e[0]) < 0; })
      .map(function (e) {
        var title = titles[e[0]];
        var label = typeof title === "string" && title ? title : (TABLES.claims[e[0]] || e[0]);
        return { claim: e[0], label: label, value: claimValue(e[0], e[1]) };
      });
  }

  // -- the steps -------------------------------------------------------------------------

  function parseStep(state) {
    if (!state.text) throw new Fail("empty");
    if (state.text.length > MAX_TEXT) throw new Fail("too_long", { max: MAX_TEXT });
    if (/^https?:\/\//i.test(state.text)) throw new Refusal("form", words.offline_form);
    if (state.text.indexOf("LIC1:") !== 0) {
      if (state.text.indexOf("~") >= 0) throw new Refusal("form", words.offline_form);
      throw new Fail("neither");
    }
    return F.decodeOffline(state.text).then(function (message) {
      state.message = message;
      state.form = "offline_qr";
      return ["parse_ok"];
    }, function (e) {
      if (e instanceof FormatError) throw new Fail("unreadable", { code: e.code });
      throw e;
    });
  }

  function issuerStep(state) {
    var department = state.message.claims.iss;
    var found = state.bundle.issuers.filter(function (i) { return String(i.code) === department; });
    if (found.length !== 1) throw new Fail("untrusted", { iss: department });
    var issuer = state.issuer = found[0];
    var lic = state.message.licence, typeCode = lic.type_code;
    var parsed = parseLicenceId(lic.identifier);
    if (issuer.uscc && parsed.issuer_code !== issuer.uscc) throw new Fail("other_uscc");
    if ((issuer.licence_types || []).indexOf(typeCode) < 0) {
      throw new Fail("type_not_allowed", { name: issuer.name, type: typeCode });
    }
    var typeName = (issuer.type_names || {})[typeCode] || typeCode;
    return ["issuer_ok", { name: issuer.name, type: typeCode, type_name: typeName }];
  }

  function algorithmStep(state) {
    var alg = state.message.alg;
    if (ALGORITHMS.indexOf(alg) < 0) throw new Fail("alg_refused", { alg: alg });
    return ["alg_ok", { alg: alg }];
  }

  function keyStep(state) {
    var issuer = state.issuer, cose = state.message.kid;
    var matching = ((issuer.jwks && issuer.jwks.keys) || []).filter(function (jwk) {
      if (typeof jwk.kid !== "string") return false;
      try {
        var raw = b64uDecode(jwk.kid);
        return raw.length >= KID_BYTES && equalBytes(raw.slice(0, KID_BYTES), cose);
      } catch (e) { return false; }
    });
    var kid = matching.length === 1 ? matching[0].kid : b64uEncode(cose);
    var jwk = issuerKey(issuer, kid);
    if (!jwk) throw new Fail("key_unknown", { kid: kid, name: issuer.name });
    if (jwk.alg !== undefined && jwk.alg !== null && jwk.alg !== state.message.alg) {
      throw new Fail("key_alg");
    }
    return importJwk(jwk).then(function (imported) {
      state.key = imported;
      return ["key_ok", { kid: kid, name: issuer.name }];
    }, function (e) {
      if (e instanceof Refusal) throw e;
      throw new Fail("key_unusable");
    });
  }

  function signatureStep(state) {
    var m = state.message;
    var signed = F.sigStructure(m.protectedBytes, m.payload);
    return verifySignature(m.alg, state.key, m.signature, signed)
      .then(function (ok) {
        if (!ok) throw new FormatError("invalid_signature");
        var lic = m.licence, issuer = state.issuer;
        var names = issuer.type_names || {};
        state.licence = { identifier: lic.identifier, type: lic.type_code,
                          type_name: names[lic.type_code] === undefined ? null
                            : names[lic.type_code],
                          issuer: issuer.issuer, issuer_name: issuer.name,
                          issuer_code: issuer.code };
        return ["signature_ok"];
      }).catch(function (e) {
        if (e instanceof FormatError) throw new Fail("signature_bad", { code: e.code });
        throw e;
      });
  }

  function timeStep(state) {
    var c = state.message.claims, now = state.now, leeway = config.leeway;
    state.licence.iat = c.iat;
    if (c.nbf !== null) state.licence.nbf = c.nbf;
    state.licence.exp = c.exp;
    if (c.iat > now + leeway) throw new Fail("future");
    if (c.nbf !== null && now < c.nbf - leeway) {
      throw new Fail("not_before", { iso: iso(c.nbf), beijing: beijingMinutes(c.nbf) });
    }
    if (now >= c.exp + leeway) {
      throw new Fail("expired", { iso: iso(c.exp), beijing: beijingMinutes(c.exp) });
    }
    return ["time_ok", { iso: iso(c.exp), beijing: beijingMinutes(c.exp) }];
  }

  function statusStep(state) {
    var lic = state.message.licence;
    if (lic.status_idx === null) return ["no_status"];
    var uri = state.issuer.issuer + "/status/" + lic.status_list_id;
    return statusList(state.bundle, state.issuer, uri).then(function (list) {
      var value = list.get(lic.status_idx);
      if (value === 1 || value === 2) {
        state.statusReason = publicReason(state.bundle, uri, lic.status_idx);
      }
      if (value === 1) throw new Fail("revoked");
      if (value === 2) throw new Fail("suspended");
      if (value !== 0) throw new Fail("list_value", { value: value });
      return ["status_ok"];
    });
  }

  function setClaims(state) {
    var lic = state.message.licence;
    var claims = [["holder_name", lic.holder_name], ["holder_code_type", lic.holder_code_type],
                  ["holder_code", lic.holder_code]];
    lic.key_claims.pairs().forEach(function (e) {
      var at = claims.findIndex(function (c) { return c[0] === e[0]; });
      if (at >= 0) claims[at][1] = e[1]; else claims.push([e[0], e[1]]);
    });
    var titles = (state.issuer.claim_titles || {})[state.licence.type || ""] || {};
    var out = {};
    claims.forEach(function (c) { out[c[0]] = plain(c[1]); });
    state.licence.claims = out;
    state.licence.holder_name = lic.holder_name;
    state.licence.display = display(claims, titles);
    return claims.length;
  }

  function disclosuresStep(state) {
    return ["disclosures_ok", { count: setClaims(state) }];
  }

  function bindingStep() { return ["binding_ok"]; }

  var PIPELINE = [parseStep, issuerStep, algorithmStep, keyStep, signatureStep, timeStep,
                  statusStep, disclosuresStep, bindingStep];

  function reason(key, values) {
    var r = REASONS[key];
    return { reason: fmt(r.en, values || {}), reason_zh: fmt(r.zh, values || {}),
             status: r.status };
  }

  function run(state) {
    var checks = [];
    function next(i) {
      if (i === PIPELINE.length) {
        return finish(state, checks, true, "valid");
      }
      return Promise.resolve().then(function () { return PIPELINE[i](state); })
        .then(function (note) {
          var r = reason(note[0], note[1]);
          checks.push({ step: STEPS[i], ok: true, reason: r.reason, reason_zh: r.reason_zh });
          return next(i + 1);
        }, function (e) {
          if (e instanceof Refusal) throw e;
          var failure = e instanceof Fail ? e : new Fail("unexpected");
          var r = reason(failure.key, failure.values);
          checks.push({ step: STEPS[i], ok: false, reason: r.reason, reason_zh: r.reason_zh });
          STEPS.slice(i + 1).forEach(function (name) {
            var n = reason("not_reached");
            checks.push({ step: name, ok: null, reason: n.reason, reason_zh: n.reason_zh });
          });
          if (state.licence && IDENTIFIED.indexOf(r.status) >= 0 && !state.licence.claims) {
            setClaims(state);
          }
          return finish(state, checks, false, r.status);
        });
    }
    return next(0);
  }

  function finish(state, checks, valid, status) {
    var failed = checks.filter(function (c) { return c.ok === false; })[0];
    return { valid: valid, status: status, form: state.form || null,
             reason: failed ? failed.reason : "all checks passed",
             reason_zh: failed ? failed.reason_zh : "全部核验通过", checks: checks,
             license: state.licence || null };
  }

  // -- the page's side: keep what offline use needs, say how old it is ------------------

  function verify(text) {
    var now = Math.floor(Date.now() / 1000);
    return loadBundle().then(function (bundle) {
      if (!bundle) throw new Refusal("none", words.offline_none);
      var fresh = freshness(bundle, now);
      if (fresh.stale) throw new Refusal("stale", fmt(words.offline_stale, fresh.values));
      var state = { text: typeof text === "string" ? text.trim() : "", now: now,
                    bundle: bundle, licence: null };
      return run(state).then(function (result) {
        result.checked = { checked_at: iso(now), mode: "offline", status_as_of: iso(bundle.iat),
                           data_age: fresh.values.age,
                           status_reason: state.statusReason || null };
        return result;
      });
    });
  }

  var line = document.getElementById("offline-status");
  function showStatus() {
    return loadBundle().then(function (bundle) {
      if (!bundle) return setLine("none", words.offline_none);
      var fresh = freshness(bundle, Math.floor(Date.now() / 1000));
      line.dataset.issuedAt = String(bundle.iat);
      line.dataset.signature = loaded.token.slice(-16);  // which bundle (for tests)
      if (fresh.stale) return setLine("stale", fmt(words.offline_stale, fresh.values));
      return setLine("ready", fmt(words.offline_ready, fresh.values));
    }).catch(function (e) {
      setLine(e instanceof Refusal ? e.state : "bad", e instanceof Refusal ? e.message
        : words.offline_bad);
    });
  }
  function setLine(state, message) {
    line.dataset.state = state;
    line.textContent = message;
    line.hidden = false;
  }

  // Keep the page, its scripts and the bundle in the cache (the worker answers from it
  // when the network is gone, and keeps the entries fresh while it is there). An
  // answer the worker took from its cache is no refresh: tried again shortly (the
  // network often comes back in steps), and every RECHECK_MS while the page stays open.
  var RETRY_MS = 3000, RETRIES = 20, RECHECK_MS = 10 * 60 * 1000, retries = 0, retry = null;
  function refresh() {
    if (!window.caches) return Promise.resolve();
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(config.precache.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (r) {
          if (!r.ok || r.headers.get("X-Onegate-From-Cache")) return false;
          return cache.put(url, r).then(function () { return true; });
        }).catch(function () { return false; });
      }));
    }).then(function (done) {
      clearTimeout(retry);
      if (done.indexOf(false) < 0) retries = 0;
      else if (navigator.onLine && retries++ < RETRIES) retry = setTimeout(refresh, RETRY_MS);
      return showStatus();
    });
  }
  function prepare() {
    if (!("serviceWorker" in navigator) || !window.caches || !subtle) return Promise.resolve();
    return navigator.serviceWorker.register(config.worker, { scope: config.scope })
      .then(function () { return navigator.onLine ? refresh() : showStatus(); })
      .catch(showStatus);
  }

  window.OnegateOffline = {
    Refusal: Refusal, verify: verify, refresh: refresh,
    available: function () { return Boolean(subtle && window.caches); }
  };
  window.addEventListener("online", function () { retries = 0; refresh(); });
  setInterval(function () { if (navigator.onLine) refresh(); }, RECHECK_MS);
  prepare();
})();
