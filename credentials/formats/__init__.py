"""Pure credential formats for onegate e-licences: no Flask, no SQLAlchemy, no project imports.

Keys arrive as ``cryptography`` key objects and ``kid`` strings; every error is a
``errors.FormatError`` subclass with a machine ``code``. There is no switch that skips
a check: reading claims requires the verifying call.

Online form - SD-JWT VC (RFC 9901, draft-ietf-oauth-sd-jwt-vc), ``typ: dc+sd-jwt``:
    sd_jwt_vc.issue(claims, disclosable, *, private_key, alg, kid, iss, vct, iat, nbf, exp,
                    status=None, cnf_jwk=None, decoys=None) -> "<jwt>~<disclosure>~...~"
    sd_jwt_vc.verify(text, *, public_key, algorithms, now, leeway=0, expected_iss=None)
        -> VerifiedSdJwtVc(claims, verified)
    sd_jwt.parse(text) -> ParsedSdJwt          (structure only, untrusted)
    sd_jwt.verify_signature(parsed, public_key, algorithms) -> VerifiedSdJwt
    sd_jwt.resolve_disclosures(verified) -> dict   (RFC 9901 section 7.1)
    sd_jwt.present(sd_jwt_text, disclose) -> str   (holder selection)
    key_binding.add_key_binding(presentation, holder_private_key, alg, audience, nonce, iat)
    key_binding.verify_key_binding(verified, *, audience, nonce, max_age_seconds, now)

Offline form - EU-DCC style ``LIC1:`` + Base45(zlib(COSE_Sign1(CWT))):
    offline_qr.encode(claims, *, private_key, kid, alg, iss, iat, nbf, exp) -> str
        (iss: department code; the COSE kid is the first 8 bytes of the JWK kid decoded)
    offline_qr.decode(text, *, max_decompressed=16384) -> DecodedOffline   (untrusted)
    offline_qr.verify(decoded, public_key, *, now, leeway=0) -> CwtClaims
    offline_qr.kid_matches(cose_kid, jwk_kid) -> bool   the verifier's key selection rule
    compact_licence.pack(...) / unpack(map)    integer-key licence layout for the QR
    compact_licence.status_uri(issuer_url, list_id)   <issuer URL>/status/<list id>
    cose.sign1 / decode_sign1 / verify_sign1   COSE_Sign1, ES256 (r||s) and EdDSA
    cwt.encode / decode                        CWT claims + private licence claim -65537
    base45.encode / decode                     RFC 9285
    qr_image.render(text, *, max_version=20) -> QrImage(png, svg, version, mode)

Revocation - Token Status List (draft-ietf-oauth-status-list), 2 bits per licence:
    status_list.StatusList(size, bits=2): get, set, to_compressed, from_compressed
    status_list.status_list_jwt(list, *, uri, iat, exp, ttl, private_key, alg, kid) -> str
    status_list.parse_status_list_jwt(token, public_key, *, expected_uri, now) -> StatusListToken

Helpers: base64url, strict_json, strict_cbor, inflate (bounded zlib), jws (allow-listed
ES256/EdDSA/RS256 over pyjwt), validity (exp/nbf), disclosure, errors.
"""
