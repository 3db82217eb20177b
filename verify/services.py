"""What verify needs from the running service, declared here and supplied by the
composition root (``admin.services.verify_services``), built once per app: the
verifier and its sources, the rate limiter, the settings it reads.

Nothing in this package looks a dependency up in Flask's application globals or
extension registry: views receive this object when their blueprint is built.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from credentials.problems import ProblemTypes
from edge.access_tokens import AccessTokenValidator
from edge.unit_of_work import UnitOfWork
from keys import KeyRing
from verify.bundle import SignedBundles
from verify.online import CatalogueTrustSource, LocalStatusSource
from verify.pipeline import DEFAULT_LEEWAY, Verifier
from verify.published import TrustListDocuments
from verify.ratelimit import FixedWindow

#: Settings this package reads (``ONEGATE_*``), with their defaults.
DEFAULTS = {
    "VERIFY_LEEWAY": DEFAULT_LEEWAY,          # seconds of clock skew allowed on iat/nbf/exp
    "VERIFY_TRUST_TTL": 10,                   # seconds a trust snapshot is reused
    "VERIFY_ALLOW_RS256": False,
    "VERIFY_RATE_LIMIT": 120,                 # per client+IP (API) or IP (pages) per window
    "VERIFY_RATE_WINDOW": 60,
    "VERIFY_BUNDLE_MAX_AGE": 86400,           # seconds an offline bundle stays usable
}


@dataclass(frozen=True)
class VerifySettings:
    """The ``ONEGATE_VERIFY_*`` values, defaults filled in."""

    leeway: int
    trust_ttl: float
    allow_rs256: bool
    rate_limit: int
    rate_window: int
    bundle_max_age: int

    @classmethod
    def from_settings(cls, values: Mapping[str, Any]) -> VerifySettings:
        def get(name: str) -> Any:
            found = values.get(name)
            return DEFAULTS[name] if found is None else found

        return cls(leeway=get("VERIFY_LEEWAY"), trust_ttl=get("VERIFY_TRUST_TTL"),
                   allow_rs256=bool(get("VERIFY_ALLOW_RS256")),
                   rate_limit=get("VERIFY_RATE_LIMIT"), rate_window=get("VERIFY_RATE_WINDOW"),
                   bundle_max_age=get("VERIFY_BUNDLE_MAX_AGE"))


#: ``(session, client_ids) -> {client_id: name}``: the name a holder knows a client by
#: (its department's, else the hall's), for the "who used my licences" list. verify
#: cannot read the provider's client table; the composition root supplies this.
ClientNames = Callable[[Session, Collection[str]], Mapping[str, str]]


def no_client_names(session: Session, client_ids: Collection[str]) -> Mapping[str, str]:
    """No names known (a verifier built without a provider, as in unit tests)."""
    return {}


@dataclass(frozen=True, eq=False)
class VerifyServices:
    """Everything verify's views read. ``trust`` and ``status`` are the sources the
    ``verifier`` checks against (also published as the trust list and offline bundle)."""

    unit_of_work: UnitOfWork
    keyring: KeyRing
    #: The service URL (ONEGATE_ISSUER) without a trailing slash.
    base_url: str
    settings: VerifySettings
    verifier: Verifier
    trust: CatalogueTrustSource
    status: LocalStatusSource
    limiter: FixedWindow
    access_tokens: AccessTokenValidator
    problem_types: ProblemTypes
    #: The trust list as published bytes (verify.published), over ``trust``.
    published: TrustListDocuments
    #: Names of the clients that used a holder's licences (see ``ClientNames``).
    client_names: ClientNames = field(default=no_client_names)
    #: The last signed offline bundle, reused while unchanged (verify.bundle).
    bundles: SignedBundles = field(default_factory=SignedBundles)
