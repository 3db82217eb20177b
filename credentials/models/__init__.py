"""Tables of the credentials package, one module per concept, one metadata (``Base``)."""

from credentials.models.base import Base
from credentials.models.catalogue import (
    TYPE_STATUSES,
    Department,
    DepartmentClient,
    LicenceType,
    LicenceTypeVersion,
)
from credentials.models.licences import STATES, IdempotencyRecord, Licence, QrImage
from credentials.models.service import ServedIssuer
from credentials.models.status_lists import SlotReservation, StatusListRow
from edge.timestamps import UtcDateTime, utcnow

__all__ = [
    "STATES",
    "Base",
    "Department",
    "DepartmentClient",
    "IdempotencyRecord",
    "Licence",
    "LicenceType",
    "LicenceTypeVersion",
    "QrImage",
    "ServedIssuer",
    "SlotReservation",
    "StatusListRow",
    "TYPE_STATUSES",
    "UtcDateTime",
    "utcnow",
]
