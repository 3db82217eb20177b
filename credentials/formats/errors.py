"""Typed errors for the credential formats, each carrying a stable machine ``code``.

Callers (issuance, verification endpoints, the offline verifier) map ``code`` to
their own responses; the message is for logs only and may change.
"""

from __future__ import annotations


class FormatError(Exception):
    """Base class: a credential, presentation or code failed a format rule."""

    code = "invalid_format"


# --- encodings -----------------------------------------------------------------


class MalformedError(FormatError):
    """The input does not have the expected structure."""

    code = "malformed"


class InvalidBase64(MalformedError):
    code = "invalid_base64"


class InvalidBase45(MalformedError):
    code = "invalid_base45"


class InvalidJson(MalformedError):
    code = "invalid_json"


class InvalidCbor(MalformedError):
    code = "invalid_cbor"


class InvalidCose(MalformedError):
    code = "invalid_cose"


class InvalidCompression(MalformedError):
    code = "invalid_compression"


class DecompressionLimitExceeded(MalformedError):
    code = "decompression_limit_exceeded"


class InputTooLarge(MalformedError):
    code = "input_too_large"


class WrongPrefix(MalformedError):
    code = "wrong_prefix"


# --- signatures and algorithms ---------------------------------------------------


class UnsupportedAlgorithm(FormatError):
    code = "unsupported_algorithm"


class KeyAlgorithmMismatch(FormatError):
    code = "key_algorithm_mismatch"


class InvalidSignature(FormatError):
    code = "invalid_signature"


class InvalidHeader(FormatError):
    code = "invalid_header"


# --- SD-JWT disclosures --------------------------------------------------------


class InvalidDisclosure(MalformedError):
    code = "invalid_disclosure"


class ReservedClaimName(InvalidDisclosure):
    code = "reserved_claim_name"


class DuplicateDisclosure(InvalidDisclosure):
    code = "duplicate_disclosure"


class DuplicateDigest(InvalidDisclosure):
    code = "duplicate_digest"


class UnreferencedDisclosure(InvalidDisclosure):
    code = "unreferenced_disclosure"


class ClaimCollision(InvalidDisclosure):
    code = "claim_collision"


class UnsupportedHashAlgorithm(FormatError):
    code = "unsupported_hash_algorithm"


class ClaimNotDisclosable(FormatError):
    code = "claim_not_disclosable"


# --- key binding ---------------------------------------------------------------


class KeyBindingError(FormatError):
    code = "invalid_key_binding"


class KeyBindingMissing(KeyBindingError):
    code = "key_binding_missing"


class KeyBindingNotAllowed(KeyBindingError):
    code = "key_binding_not_allowed"


class AudienceMismatch(KeyBindingError):
    code = "audience_mismatch"


class NonceMismatch(KeyBindingError):
    code = "nonce_mismatch"


class KeyBindingStale(KeyBindingError):
    code = "key_binding_stale"


class SdHashMismatch(KeyBindingError):
    code = "sd_hash_mismatch"


# --- claims and validity ---------------------------------------------------------


class MissingClaim(FormatError):
    code = "missing_claim"


class InvalidClaim(FormatError):
    code = "invalid_claim"


class Expired(FormatError):
    code = "expired"


class NotYetValid(FormatError):
    code = "not_yet_valid"


class SubjectMismatch(FormatError):
    code = "subject_mismatch"


# --- issuance-side input ---------------------------------------------------------


class InvalidIssuanceRequest(FormatError):
    code = "invalid_issuance_request"


# --- status lists and QR -----------------------------------------------------------


class StatusListError(FormatError):
    code = "invalid_status_list"


class StatusIndexOutOfRange(StatusListError):
    code = "status_index_out_of_range"


class InvalidStatusValue(StatusListError):
    code = "invalid_status_value"


class QrTooLarge(FormatError):
    code = "qr_too_large"
