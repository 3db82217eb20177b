"""Validators for public identifiers: citizen ID numbers (GB 11643), unified
social credit codes (GB 32100) and electronic licence identifiers (GB/T 36904).

A pure leaf package: standard library only. Every validator raises
:class:`InvalidIdentifier` (a ``ValueError``) with ``kind`` and ``reason``.
"""

from identifiers.citizen_id import check_character as citizen_id_check_character
from identifiers.citizen_id import is_valid_citizen_id, validate_citizen_id
from identifiers.errors import InvalidIdentifier
from identifiers.license_id import LicenseId, make_license_id, mod37_36_check, parse_license_id
from identifiers.uscc import check_character as uscc_check_character
from identifiers.uscc import is_valid_uscc, validate_uscc

__all__ = [
    "InvalidIdentifier",
    "LicenseId",
    "citizen_id_check_character",
    "is_valid_citizen_id",
    "is_valid_uscc",
    "make_license_id",
    "mod37_36_check",
    "parse_license_id",
    "uscc_check_character",
    "validate_citizen_id",
    "validate_uscc",
]
