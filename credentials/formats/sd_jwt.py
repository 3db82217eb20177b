"""SD-JWT (RFC 9901): issuance, parsing, signature check, Disclosure processing, presentation.

Compact form: ``<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~[<KB-JWT>]``
(RFC 9901 section 4). The flow for a verifier is

    parsed = parse(text)                       # structure only, nothing trusted
    verified = verify_signature(parsed, key, algorithms)
    claims = resolve_disclosures(verified)     # section 7.1 step 3-5

``resolve_disclosures`` only accepts the result of ``verify_signature``, so unverified
claims cannot be read through this module. Key Binding lives in ``key_binding``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from credentials.formats import disclosure, jws
from credentials.formats.disclosure import Disclosure
from credentials.formats.errors import (
    ClaimCollision,
    ClaimNotDisclosable,
    DuplicateDigest,
    DuplicateDisclosure,
    InvalidDisclosure,
    InvalidIssuanceRequest,
    KeyBindingNotAllowed,
    MalformedError,
    UnreferencedDisclosure,
    UnsupportedHashAlgorithm,
)

SEPARATOR = "~"
SD = "_sd"
SD_ALG = "_sd_alg"
ELLIPSIS = "..."


@dataclass(frozen=True)
class ParsedSdJwt:
    """An SD-JWT or SD-JWT+KB split into parts; ``payload`` is NOT verified."""

    issuer_jwt: str
    header: dict[str, Any]
    payload: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    kb_jwt: str | None

    def without_key_binding(self) -> str:
        """The SD-JWT part (ending in ``~``), the input of ``sd_hash``."""
        return SEPARATOR.join([self.issuer_jwt, *(d.raw for d in self.disclosures), ""])


@dataclass(frozen=True)
class VerifiedSdJwt:
    """A parsed SD-JWT whose Issuer-signed JWT signature has been checked."""

    parsed: ParsedSdJwt
    header: dict[str, Any]
    payload: dict[str, Any]


def issue(
    claims: dict[str, Any],
    disclosable: Iterable[str],
    *,
    private_key: Any,
    alg: str,
    headers: dict[str, Any],
    decoys: int | None = None,
) -> str:
    """Issue an SD-JWT making the named top-level ``claims`` selectively disclosable.

    ``decoys`` is the number of decoy digests; None picks 1-3 at random.
    Raises InvalidIssuanceRequest (unknown/reserved names, negative decoys),
    ReservedClaimName, UnsupportedAlgorithm or KeyAlgorithmMismatch.
    """
    chosen = set(disclosable)
    _check_issuance(claims, chosen, decoys)
    disclosures = [disclosure.create(name, claims[name]) for name in sorted(chosen)]
    payload = {k: v for k, v in claims.items() if k not in chosen}
    digests = [d.digest for d in disclosures]
    count = decoys if decoys is not None else 1 + secrets.randbelow(3)
    digests += [disclosure.decoy_digest() for _ in range(count)]
    if digests:
        # RFC 9901 section 4.2.4.1: "The Issuer MUST hide the original order of the
        # claims in the array" - sorting does not depend on the original order.
        payload[SD] = sorted(digests)
    payload[SD_ALG] = disclosure.HASH_ALG
    token = jws.sign(payload, private_key=private_key, alg=alg, headers=headers)
    return SEPARATOR.join([token, *(d.raw for d in disclosures), ""])


def _check_issuance(claims: dict[str, Any], chosen: set[str], decoys: int | None) -> None:
    if not chosen <= set(claims):
        raise InvalidIssuanceRequest(f"not in claims: {sorted(chosen - set(claims))}")
    if {SD, SD_ALG, ELLIPSIS} & set(claims):
        # RFC 9901 section 4.1: Issuers MUST NOT use `_sd` for any other purpose.
        raise InvalidIssuanceRequest("claims use a name reserved by SD-JWT")
    if decoys is not None and (isinstance(decoys, bool) or decoys < 0):
        raise InvalidIssuanceRequest("decoys must be a non-negative count")


def parse(text: str) -> ParsedSdJwt:
    """Split and decode an SD-JWT / SD-JWT+KB and run the section 7.1 structural checks.

    Nothing returned is trusted. Raises MalformedError, InvalidBase64, InvalidJson,
    InvalidDisclosure, ReservedClaimName, DuplicateDisclosure, DuplicateDigest,
    ClaimCollision, UnreferencedDisclosure or UnsupportedHashAlgorithm.
    """
    if not isinstance(text, str) or SEPARATOR not in text:
        raise MalformedError("an SD-JWT contains at least one '~'")
    issuer_jwt, *raw_disclosures, last = text.split(SEPARATOR)
    if any(not raw for raw in raw_disclosures):
        raise MalformedError("empty Disclosure between '~' separators")
    header, payload = jws.unverified_parts(issuer_jwt)
    disclosures = tuple(disclosure.decode(raw) for raw in raw_disclosures)
    kb_jwt = last or None
    if kb_jwt is not None:
        jws.unverified_parts(kb_jwt)
    parsed = ParsedSdJwt(issuer_jwt, header, payload, disclosures, kb_jwt)
    _Processor(disclosures).run(payload)
    return parsed


def verify_signature(
    parsed: ParsedSdJwt, public_key: Any, algorithms: Iterable[str]
) -> VerifiedSdJwt:
    """Verify the Issuer-signed JWT (RFC 9901 section 7.1 step 2).

    Raises UnsupportedAlgorithm (including ``none``), KeyAlgorithmMismatch,
    InvalidHeader, MalformedError or InvalidSignature.
    """
    # parse() decoded header and payload from this very text: not decoded again.
    header, payload = jws.verify_parsed(
        parsed.issuer_jwt, parsed.header, parsed.payload, public_key=public_key,
        algorithms=tuple(algorithms))
    return VerifiedSdJwt(parsed=parsed, header=header, payload=payload)


def resolve_disclosures(verified: VerifiedSdJwt) -> dict[str, Any]:
    """Return the Processed SD-JWT Payload (RFC 9901 section 7.1 steps 2.4-5).

    Raises TypeError if given anything but a VerifiedSdJwt, and the Disclosure errors
    listed for ``parse``.
    """
    if not isinstance(verified, VerifiedSdJwt):
        raise TypeError("resolve_disclosures needs the result of verify_signature")
    return _Processor(verified.parsed.disclosures).run(verified.payload)


def present(sd_jwt_text: str, disclose: Iterable[str]) -> str:
    """Holder side: keep only the Disclosures for the claim names in ``disclose``.

    Raises KeyBindingNotAllowed if the input already carries a KB-JWT (RFC 9901
    section 7.2: a Holder receiving an SD-JWT+KB "MUST" reject it), ClaimNotDisclosable
    for names without a Disclosure, and the ``parse`` errors.
    """
    parsed = parse(sd_jwt_text)
    if parsed.kb_jwt is not None:
        raise KeyBindingNotAllowed("the Holder receives an SD-JWT, not an SD-JWT+KB")
    wanted = set(disclose)
    available = {d.name for d in parsed.disclosures if d.name is not None}
    if not wanted <= available:
        raise ClaimNotDisclosable(f"no Disclosure for {sorted(wanted - available)}")
    kept = [d.raw for d in parsed.disclosures if d.name in wanted]
    result = SEPARATOR.join([parsed.issuer_jwt, *kept, ""])
    # RFC 9901 section 7.2: each selected Disclosure's digest MUST be in the
    # Issuer-signed JWT or in another selected Disclosure; parse() enforces that.
    parse(result)
    return result


class _Processor:
    """RFC 9901 section 7.1 step 3: replace embedded digests by disclosed claims."""

    def __init__(self, disclosures: tuple[Disclosure, ...]) -> None:
        self.by_digest: dict[str, Disclosure] = {}
        for item in disclosures:
            digest = item.digest
            if digest in self.by_digest:
                raise DuplicateDisclosure("the same Disclosure appears twice")
            self.by_digest[digest] = item
        self.seen: set[str] = set()
        self.used: set[str] = set()

    def run(self, payload: dict[str, Any]) -> dict[str, Any]:
        alg = payload.get(SD_ALG, disclosure.HASH_ALG)
        if alg != disclosure.HASH_ALG:
            # Section 7.1 step 2.4: the `_sd_alg` value MUST be understood and secure.
            raise UnsupportedHashAlgorithm(f"_sd_alg {alg!r} is not supported")
        result = self._object(payload)
        result.pop(SD_ALG, None)
        if set(self.by_digest) - self.used:
            # Section 7.1 step 5: "If any Disclosure was not referenced by digest value
            # in the Issuer-signed JWT ... the SD-JWT MUST be rejected."
            raise UnreferencedDisclosure("a Disclosure is not referenced by any digest")
        return result

    def _value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            return self._array(value)
        return value

    def _mark(self, digest: Any) -> Disclosure | None:
        if not isinstance(digest, str):
            raise InvalidDisclosure("digests are strings (RFC 9901 section 4.2.4)")
        if digest in self.seen:
            # Section 7.1 step 4: "If any digest value is encountered more than once
            # ... the SD-JWT MUST be rejected."
            raise DuplicateDigest("a digest value appears more than once")
        self.seen.add(digest)
        found = self.by_digest.get(digest)
        if found is not None:
            self.used.add(digest)
        # Section 7.1 step 3.2.1: a digest without Disclosure (decoy or withheld)
        # "MUST be ignored".
        return found

    def _object(self, obj: dict[str, Any]) -> dict[str, Any]:
        digests = obj.get(SD, [])
        if not isinstance(digests, list):
            raise InvalidDisclosure("`_sd` MUST refer to an array of strings (section 4.2.4.1)")
        result = {k: self._value(v) for k, v in obj.items() if k != SD}
        for digest in digests:
            found = self._mark(digest)
            if found is None:
                continue
            if found.name is None:
                # Section 7.1: an `_sd` digest needs a three-element Disclosure.
                raise InvalidDisclosure("array-element Disclosure referenced from `_sd`")
            if found.name in result:
                # Section 7.1: "If the claim name already exists at the level of the
                # `_sd` key, the SD-JWT MUST be rejected."
                raise ClaimCollision(f"claim {found.name!r} already exists")
            result[found.name] = self._value(found.value)
        return result

    def _array(self, items: list[Any]) -> list[Any]:
        result = []
        for item in items:
            if not (isinstance(item, dict) and set(item) == {ELLIPSIS}):
                result.append(self._value(item))
                continue
            found = self._mark(item[ELLIPSIS])
            if found is None:
                continue  # section 7.1 step 3.4: drop elements without a Disclosure
            if found.name is not None:
                # Section 7.1: an array digest needs a two-element Disclosure.
                raise InvalidDisclosure("object-property Disclosure referenced from an array")
            result.append(self._value(found.value))
        return result
