"""The one exception every validator in :mod:`identifiers` raises.

``InvalidIdentifier`` is a :class:`ValueError`, so callers that already catch
``ValueError`` keep working. ``kind`` names the identifier scheme and ``reason``
is a short machine-friendly code; ``str(error)`` is the human message.
"""

from __future__ import annotations

CITIZEN_ID = "citizen_id"
USCC = "uscc"
LICENSE_ID = "license_id"

BAD_LENGTH = "bad_length"
BAD_CHARACTER = "bad_character"
BAD_CHECK_CHARACTER = "bad_check_character"
BAD_DATE = "bad_date"
BAD_FORMAT = "bad_format"
BAD_TYPE_CODE = "bad_type_code"
BAD_ISSUER_CODE = "bad_issuer_code"
BAD_VERSION = "bad_version"


class InvalidIdentifier(ValueError):
    """An identifier failed validation.

    Attributes:
        kind: the scheme, ``"citizen_id"``, ``"uscc"`` or ``"license_id"``.
        reason: why, e.g. ``"bad_length"``, ``"bad_character"``,
            ``"bad_check_character"``, ``"bad_date"``, ``"bad_format"``,
            ``"bad_type_code"``, ``"bad_issuer_code"``, ``"bad_version"``.
        message: a human-readable explanation (also ``str(error)``).
    """

    def __init__(self, kind: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.reason = reason
        self.message = message

    def __repr__(self) -> str:
        return (f"InvalidIdentifier(kind={self.kind!r}, reason={self.reason!r}, "
                f"message={self.message!r})")
