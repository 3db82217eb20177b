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
   Exposes window.OnegateOffline: prepare(), refresh(), verify(text), available(). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("verify-offline").textContent);
  var labels = JSON.parse(document.getElementById("verify-labels").textContent);
  var words = labels.words;
  var REASONS = labels.reasons;
  var TABLES = labels.tables;
  var CACHE = "onegate-verify-v1";
  var BUNDLE_TYP = "onegate-bundle+jwt";
  var MAX_TEXT = 65536, MAX_OFFLINE = 8192, MAX_INFLATED = 16384;
  var MAX_LIST_BYTES = 16 * 1024 * 1024, MAX_DEPTH = 16, KID_BYTES = 8;
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

  // -- errors: a format error (its wire code), a failed step, a refusal to verify -----

  function FormatError(code) { this.code = code; }
  function Fail(key, values) { this.key = key; this.values = values || {}; }
  function Refusal(state, message) { this.state = state; this.message = message; }

  // -- bytes ---------------------------------------------------------------------------

  function concat(parts) {
    var total = parts.reduce(function (n, p) { return n + p.length; }, 0);
    var out = new Uint8Array(total), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  function equalBytes(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  function hex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  var B64U = /^[A-Za-z0-9_-]*$/;
  function b64uDecode(text) {
    if (typeof text !== "string" || !B64U.test(text) || text.length % 4 === 1) {
      throw new FormatError("invalid_base64");
    }
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    var binary;
    try { binary = atob(b64 + "===".slice((b64.length + 3) % 4)); } catch (e) {
      throw new FormatError("invalid_base64");
    }
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  function b64uEncode(bytes) {
    var binary = "";
    bytes.forEach(function (b) { binary += String.fromCharCode(b); });
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // RFC 9285: three characters make two bytes, a final two one byte.
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  function base45(text) {
    if (text.length % 3 === 1) throw new FormatError("invalid_base45");
    var out = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.slice(i, i + 3), n = 0;
      for (var j = chunk.length - 1; j >= 0; j--) {
        var d = B45.indexOf(chunk[j]);
        if (d < 0) throw new FormatError("invalid_base45");
        n = n * 45 + d;
      }
      if (chunk.length === 3) {
        if (n > 0xffff) throw new FormatError("invalid_base45");
        out.push(n >> 8, n & 255);
      } else {
        if (n > 0xff) throw new FormatError("invalid_base45");
        out.push(n);
      }
    }
    return new Uint8Array(out);
  }

  // zlib (RFC 1950) through the browser's own inflater, stopped past ``max`` bytes.
  function inflate(data, max) {
    var stream = new DecompressionStream("deflate");
    var writer = stream.writable.getWriter();
    writer.write(data).catch(function () {});
    writer.close().catch(function () {});
    var reader = stream.readable.getReader(), chunks = [], total = 0;
    function pump() {
      return reader.read().then(function (step) {
        if (step.done) return concat(chunks);
        total += step.value.length;
        if (total > max) {
          reader.cancel().catch(function () {});
          throw new FormatError("decompression_limit_exceeded");
        }
        chunks.push(step.value);
        return pump();
      });
    }
    return pump().catch(function (e) {
      throw e instanceof FormatError ? e : new FormatError("invalid_compression");
    });
  }

  // -- CBOR (RFC 8949): one item, no trailing bytes, no duplicate map keys, bounded depth

  function CborTag(tag, value) { this.tag = tag; this.value = value; }
  function CborFloat(value) { this.value = value; }
  function CborSimple(value) { this.value = value; }
  var UNDEFINED = new CborSimple(23);
  function CborMap() { this.entries = new Map(); }
  CborMap.prototype.get = function (k) { var e = this.entries.get(keyId(k)); return e && e[1]; };
  CborMap.prototype.has = function (k) { return this.entries.has(keyId(k)); };
  CborMap.prototype.keys = function () {
    return Array.from(this.entries.values()).map(function (e) { return e[0]; });
  };
  CborMap.prototype.pairs = function () { return Array.from(this.entries.values()); };

  function keyId(k) {
    if (typeof k === "number") return "n" + k;
    if (typeof k === "string") return "s" + k;
    if (typeof k === "boolean") return "t" + k;
    if (k === null) return "z";
    if (k instanceof Uint8Array) return "b" + hex(k);
    if (k instanceof CborFloat) return "f" + k.value;
    if (Array.isArray(k)) return "a[" + k.map(keyId).join(",") + "]";
    if (k instanceof CborMap) return "m{" + k.pairs().map(function (e) {
      return keyId(e[0]) + ":" + keyId(e[1]); }).join(",") + "}";
    if (k instanceof CborTag) return "g" + k.tag + "(" + keyId(k.value) + ")";
    return "x" + String(k && k.value);
  }

  function cborLoads(bytes) {
    var at = 0;
    function need(n) { if (at + n > bytes.length) throw new FormatError("invalid_cbor"); }
    function argument(info) {
      if (info < 24) return info;
      var size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
      if (!size) throw new FormatError("invalid_cbor");  // indefinite lengths are not used
      need(size);
      var n = 0;
      for (var i = 0; i < size; i++) n = n * 256 + bytes[at + i];
      at += size;
      return n;
    }
    function half(bits) {
      var exp = (bits >> 10) & 0x1f, mant = bits & 0x3ff, sign = bits & 0x8000 ? -1 : 1;
      if (exp === 0) return sign * Math.pow(2, -14) * (mant / 1024);
      if (exp === 31) return mant ? NaN : sign * Infinity;
      return sign * Math.pow(2, exp - 15) * (1 + mant / 1024);
    }
    function item(depth) {
      if (depth > MAX_DEPTH) throw new FormatError("invalid_cbor");
      need(1);
      var first = bytes[at++], major = first >> 5, info = first & 31;
      if (major === 7) {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return UNDEFINED;
        var view;
        if (info === 25) { need(2); view = new DataView(bytes.buffer, bytes.byteOffset + at, 2);
          at += 2; return new CborFloat(half(view.getUint16(0))); }
        if (info === 26) { need(4); view = new DataView(bytes.buffer, bytes.byteOffset + at, 4);
          at += 4; return new CborFloat(view.getFloat32(0)); }
        if (info === 27) { need(8); view = new DataView(bytes.buffer, bytes.byteOffset + at, 8);
          at += 8; return new CborFloat(view.getFloat64(0)); }
        if (info < 24) return new CborSimple(info);
        if (info === 24) { need(1); return new CborSimple(bytes[at++]); }
        throw new FormatError("invalid_cbor");
      }
      var n = argument(info);
      if (major === 0) return n;
      if (major === 1) return -1 - n;
      if (major === 2 || major === 3) {
        need(n);
        var raw = bytes.slice(at, at + n);
        at += n;
        if (major === 2) return raw;
        try { return new TextDecoder("utf-8", { fatal: true }).decode(raw); } catch (e) {
          throw new FormatError("invalid_cbor");
        }
      }
      if (major === 4) {
        var list = [];
        for (var i = 0; i < n; i++) list.push(item(depth + 1));
        return list;
      }
      if (major === 5) {
        var map = new CborMap();
        for (var j = 0; j < n; j++) {
          var key = item(depth + 1), value = item(depth + 1), id = keyId(key);
          if (map.entries.has(id)) throw new FormatError("invalid_cbor");
          map.entries.set(id, [key, value]);
        }
        return map;
      }
      return new CborTag(n, item(depth + 1));  // major 6
    }
    var value = item(0);
    if (at !== bytes.length) throw new FormatError("invalid_cbor");
    return value;
  }

  function head(major, n) {
    if (n < 24) return new Uint8Array([major << 5 | n]);
    if (n < 256) return new Uint8Array([major << 5 | 24, n]);
    if (n < 65536) return new Uint8Array([major << 5 | 25, n >> 8, n & 255]);
    return new Uint8Array([major << 5 | 26, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255]);
  }
  // RFC 9052 section 4.4: ["Signature1", body_protected, external_aad (empty), payload].
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    return concat([new Uint8Array([0x84]), head(3, context.length), context,
                   head(2, protectedBytes.length), protectedBytes, new Uint8Array([0x40]),
                   head(2, payload.length), payload]);
  }

  function isInt(v) { return typeof v === "number" && Number.isInteger(v); }
  function isMap(v) { return v instanceof CborMap; }
  function isBytes(v) { return v instanceof Uint8Array; }

  // -- the offline form (credentials/formats: offline_qr, cose, cwt, compact_licence) ---

  function decodeOffline(text) {
    return Promise.resolve().then(function () {
      if (text.indexOf("LIC1:") !== 0) throw new FormatError("wrong_prefix");
      if (text.length > MAX_OFFLINE) throw new FormatError("input_too_large");
      return inflate(base45(text.slice(5)), MAX_INFLATED);
    }).then(function (raw) {
      var message = decodeSign1(cborLoads(raw));
      if (!isBytes(message.kid) || message.kid.length !== KID_BYTES) {
        throw new FormatError("invalid_cose");
      }
      message.claims = decodeClaims(cborLoads(message.payload));
      message.licence = unpackLicence(message.claims.licence);
      return message;
    });
  }

  function decodeSign1(value) {
    if (!(value instanceof CborTag) || value.tag !== 18) throw new FormatError("invalid_cose");
    var parts = value.value;
    if (!Array.isArray(parts) || parts.length !== 4) throw new FormatError("invalid_cose");
    if (!isBytes(parts[0]) || !isBytes(parts[2]) || !isBytes(parts[3])) {
      throw new FormatError("invalid_cose");
    }
    if (!isMap(parts[1])) throw new FormatError("invalid_cose");
    var header = parts[0].length ? cborLoads(parts[0]) : new CborMap();
    if (!isMap(header)) throw new FormatError("invalid_cose");
    parts[1].keys().forEach(function (k) {
      if (header.has(k)) throw new FormatError("invalid_cose");
    });
    var alg = { "-7": "ES256", "-8": "EdDSA" }[String(header.get(1))];
    if (!isInt(header.get(1)) || !alg) throw new FormatError("unsupported_algorithm");
    if (header.has(4) && !isBytes(header.get(4))) throw new FormatError("invalid_cose");
    if (header.has(2)) throw new FormatError("invalid_cose");
    return { protectedBytes: parts[0], payload: parts[2], signature: parts[3], alg: alg,
             kid: header.get(4) };
  }

  function numericDate(value, required) {
    if (value === undefined) {
      if (required) throw new FormatError("missing_claim");
      return null;
    }
    if (!isInt(value)) throw new FormatError("invalid_claim");
    return value;
  }

  function decodeClaims(claims) {
    if (!isMap(claims)) throw new FormatError("invalid_claim");
    var iss = claims.get(1);
    if (typeof iss !== "string") throw new FormatError("missing_claim");
    if (!iss.length || iss.length > 255) throw new FormatError("invalid_claim");
    if (!isMap(claims.get(-65537))) throw new FormatError("missing_claim");
    var iat = numericDate(claims.get(6), true), exp = numericDate(claims.get(4), true);
    var nbf = numericDate(claims.get(5), false);
    if (claims.has(2) && typeof claims.get(2) !== "string") throw new FormatError("invalid_claim");
    if (claims.has(7) && !isBytes(claims.get(7))) throw new FormatError("invalid_claim");
    return { iss: iss, iat: iat, nbf: nbf, exp: exp, licence: claims.get(-65537) };
  }

  var TYPE_CODE = /^[0-9A-Z]{18}[0-9]{3}$/;
  var TEXT_ID = /^[A-Za-z0-9._~-]{1,64}$/;
  function typeCodeOf(identifier) {
    var prefix = "1.2.156.3005.2.";
    var parts = identifier.indexOf(prefix) === 0 ? identifier.slice(prefix.length).split(".") : [];
    if (parts.length !== 5 || !TYPE_CODE.test(parts[0])) throw new FormatError("invalid_claim");
    return parts[0];
  }

  function unpackLicence(packed) {
    if (!isMap(packed) || !packed.keys().every(function (k) {
      return [1, 2, 3, 4, 5].indexOf(k) >= 0; })) throw new FormatError("invalid_claim");
    var identifier = packed.get(1), name = packed.get(2);
    if (typeof identifier !== "string" || typeof name !== "string") {
      throw new FormatError("invalid_claim");
    }
    var typeCode = typeCodeOf(identifier);
    var holder = packed.get(3);
    if (!Array.isArray(holder) || holder.length !== 2 ||
        !holder.every(function (p) { return typeof p === "string"; })) {
      throw new FormatError("invalid_claim");
    }
    var claims = packed.has(5) ? packed.get(5) : new CborMap();
    if (!isMap(claims) || !claims.keys().every(function (k) { return typeof k === "string"; })) {
      throw new FormatError("invalid_claim");
    }
    var listId = null, idx = null;
    if (packed.has(4)) {
      var status = packed.get(4);
      if (!Array.isArray(status) || status.length !== 2) throw new FormatError("invalid_claim");
      var id = status[0];
      if (isBytes(id) && id.length >= 1 && id.length <= 32) listId = hex(id);
      else if (typeof id === "string" && TEXT_ID.test(id)) listId = id;
      else throw new FormatError("invalid_claim");
      if (!isInt(status[1]) || status[1] < 0) throw new FormatError("invalid_claim");
      idx = status[1];
    }
    return { identifier: identifier, type_code: typeCode, holder_name: name,
             holder_code_type: holder[0], holder_code: holder[1], key_claims: claims,
             status_list_id: listId, status_idx: idx };
  }

  // GB/T 36904 identifier, lenient as the server's pipeline reads it (identifiers/).
  var ID36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
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

  // Raises FormatError key_algorithm_mismatch; resolves to whether the signature holds.
  function verifySignature(alg, imported, signature, data) {
    if (imported.kind !== alg || !imported.key) {
      return Promise.reject(new FormatError("key_algorithm_mismatch"));
    }
    if (alg === "ES256") {
      // RFC 9053 section 2.1 / RFC 7518 section 3.4: r || s, 32 octets each (WebCrypto's form).
      if (signature.length !== 64) return Promise.resolve(false);
      return subtle.verify({ name: "ECDSA", hash: "SHA-256" }, imported.key, signature, data);
    }
    return subtle.verify({ name: "Ed25519" }, imported.key, signature, data);
  }

  function jwsParts(token) {
    var parts = typeof token === "string" ? token.split(".") : [];
    if (parts.length !== 3 || !parts.every(Boolean)) throw new FormatError("malformed");
    function object(part) {
      var value;
      try { value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b64uDecode(part))); }
      catch (e) { if (e instanceof FormatError) throw e; throw new FormatError("invalid_json"); }
      if (!value || typeof value !== "object" || Array.isArray(value)) {
        throw new FormatError("invalid_json");
      }
      return value;
    }
    var header = object(parts[0]), payload = object(parts[1]);
    return { header: header, payload: payload, signature: b64uDecode(parts[2]),
             input: new TextEncoder().encode(parts[0] + "." + parts[1]) };
  }

  // A compact JWS's signature with ``imported``; rejects with FormatError codes.
  function jwsVerify(jws, imported, algorithms) {
    var alg = jws.header.alg;
    if (algorithms.indexOf(alg) < 0) return Promise.reject(new FormatError("unsupported_algorithm"));
    if ("crit" in jws.header) return Promise.reject(new FormatError("invalid_header"));
    if ("kid" in jws.header && typeof jws.header.kid !== "string") {
      return Promise.reject(new FormatError("malformed"));
    }
    if (jws.header.b64 !== undefined && jws.header.b64 !== true) {
      return Promise.reject(new FormatError("malformed"));
    }
    return verifySignature(alg, imported, jws.signature, jws.input).then(function (ok) {
      if (!ok) throw new FormatError("invalid_signature");
    });
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
               verified: {} };
    }, function (e) { throw e instanceof Refusal && e.state !== "bad" ? e : bad(); });
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
    return decodeOffline(state.text).then(function (message) {
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
    return verifySignature(m.alg, state.key, m.signature, sigStructure(m.protectedBytes, m.payload))
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
                           data_age: fresh.values.age };
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
  // when the network is gone, and keeps the entries fresh while it is there).
  function refresh() {
    if (!window.caches) return Promise.resolve();
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(config.precache.map(function (url) {
        return fetch(url, { credentials: "same-origin", cache: "no-cache" }).then(function (r) {
          if (r.ok) return cache.put(url, r);
        }).catch(function () {});
      }));
    }).then(showStatus);
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
  window.addEventListener("online", refresh);
  prepare();
})();
