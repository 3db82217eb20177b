/* Decoders for the verifier page's offline check (offline.js), pure and strict, as the
   server's credentials/formats: Base45 (RFC 9285), zlib through the browser's
   DecompressionStream (bounded), CBOR (RFC 8949: one item, no trailing bytes, no
   duplicate map keys, depth 16), the offline code (COSE_Sign1 -> CWT claims -> compact
   licence), the RFC 9052 Sig_structure, and compact JWS checks with WebCrypto.
   Errors are FormatError with the server's wire codes. Exposes window.OnegateFormats. */
(function () {
  "use strict";
  var MAX_OFFLINE = 8192, MAX_INFLATED = 16384, MAX_DEPTH = 16, KID_BYTES = 8;
  var subtle = window.crypto && window.crypto.subtle;

  function FormatError(code) { this.code = code; }
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
  window.OnegateFormats = {
    FormatError: FormatError, CborMap: CborMap, CborFloat: CborFloat, hex: hex,
    equalBytes: equalBytes, b64uDecode: b64uDecode, b64uEncode: b64uEncode, inflate: inflate,
    isInt: isInt, numericDate: numericDate, decodeOffline: decodeOffline,
    sigStructure: sigStructure, verifySignature: verifySignature, jwsParts: jwsParts,
    jwsVerify: jwsVerify
  };
})();
