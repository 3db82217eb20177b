"""Issuing licences: catalogue checks, identifier, status slot, both signed forms, one row.

``issue_one`` runs in the caller's transaction (a request's unit of work);
``issue_many`` (batches, bulk import) validates every item first, then stores the
valid ones in chunks, each in its own transaction on ``Deps.sessions``, retrying
an item on its own if its chunk fails - so one bad item never costs the others,
and nothing of a rejected item is stored.
"""

from __future__ import annotations

import functools
import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

import keys
from credentials import audit_events, layout, references, signing, status
from credentials.errors import (
    CredentialsError,
    DepartmentNotAllowed,
    FieldError,
    IdempotencyKeyReused,
    IssuerUnavailable,
    TypeRetired,
    ValidationFailed,
)
from credentials.issue_request import IssueRequest
from credentials.issuer_cache import DepartmentInfo, IssuerCache, TypeInfo
from credentials.models import IdempotencyRecord, Licence, utcnow
from credentials.references import ReferenceKeys
from credentials.signing_pool import SigningPool, SigningPoolBroken, sign_here
from credentials.slot_reserve import SlotReserve
from edge import bulk_rows
from identifiers import InvalidIdentifier, make_license_id, validate_citizen_id, validate_uscc

FIRST_VERSION = 1
_SERIAL_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RETRIES = 3
_IN_CHUNK = 500


@dataclass(frozen=True)
class Deps:
    """What issuance needs from the app: storage, keys, the service URL, the clock."""

    sessions: sessionmaker[Session]
    keyring: Any
    issuer: str
    references: ReferenceKeys
    clock: Callable[[], datetime] = utcnow
    #: Departments, types and signers across calls (owned by CredentialsServices);
    #: a Deps built without one gets its own.
    cache: IssuerCache = None  # type: ignore[assignment]
    #: Processes that sign for store() (bulk import); None signs in this process.
    signing_pool: SigningPool | None = None
    #: Status slots reserved ahead for single issues (credentials.slot_reserve); None:
    #: every allocation in the caller's transaction.
    slot_reserve: SlotReserve | None = None
    #: When a process of ``signing_pool`` dies: False raises SigningPoolBroken (bulk
    #: import: the run stops, a re-run continues); True signs the chunk again in this
    #: process (API batches: every item gets its outcome).
    pool_optional: bool = False

    def __post_init__(self) -> None:
        if self.cache is None:
            object.__setattr__(self, "cache", IssuerCache(self.keyring))


@dataclass
class Prepared:
    """A request checked against the catalogue, ready to be stored."""

    request: IssueRequest
    licence_type: TypeInfo
    department: DepartmentInfo
    holder_number: str
    valid_from: datetime
    valid_until: datetime
    idempotency: tuple[str, str, str] | None = None  # scope, key, request hash
    serial: str | None = None
    version: int = FIRST_VERSION
    previous: str | None = None


@dataclass
class Outcome:
    """One item's result: a stored (or replayed) licence, or the error that rejected it."""

    licence: Licence | None = None
    error: CredentialsError | None = None
    replayed: bool = False


@dataclass
class Catalogue:
    """The department and its licence types, through the issuer cache."""

    department: DepartmentInfo
    cache: IssuerCache

    def type(self, session: Session, code: str) -> TypeInfo | None:
        return self.cache.licence_type(session, code)


def catalogue_of(session: Session, deps: Deps, department_code: str) -> Catalogue:
    """The department's catalogue view (cached; see credentials.issuer_cache).
    Raises NotFound."""
    return Catalogue(deps.cache.department(session, department_code), deps.cache)


def request_hash(request: IssueRequest) -> str:
    canonical = json.dumps(request.canonical(), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- checks ---------------------------------------------------------------------


def prepare(session: Session, cat: Catalogue, request: IssueRequest, now: datetime, *,
            replacing: bool = False) -> Prepared:
    """Check a request against the catalogue: the type's current version is what it is
    issued under. Raises ValidationFailed (TypeRetired among them) or
    DepartmentNotAllowed.

    ``replacing``: the request re-signs a licence already in force (a key compromise's
    re-issue), not a new one. A retired type and a former issuer keep their licences
    verifying (credentials.type_lifecycle), so neither stops their replacement."""
    licence_type = cat.type(session, request.type_code)
    if licence_type is None:
        raise ValidationFailed("unknown licence type", [FieldError("type", "unknown_type")])
    if licence_type.status == "retired" and not replacing:
        raise TypeRetired("this licence type is retired: it issues no new licences",
                          [FieldError("type", "retired")])
    if not replacing and cat.department.code not in licence_type.departments:
        raise DepartmentNotAllowed("your department may not issue this licence type",
                                   [FieldError("type", "department_not_allowed")])
    number, holder_errors = _holder(request, licence_type)
    errors = holder_errors + _claim_errors(request, licence_type)
    valid_from, valid_until = _window(request, licence_type, now, errors)
    if errors:
        raise ValidationFailed("the request has invalid fields", errors)
    return Prepared(request, licence_type, cat.department, number, valid_from, valid_until,
                    serial=request.serial, version=request.version or FIRST_VERSION)


def _holder(request: IssueRequest, licence_type: TypeInfo) -> tuple[str, list[FieldError]]:
    """The holder's normalised number (checked once) and the holder's errors."""
    holder = request.holder
    if layout.HOLDER_CODE_TYPES[holder.code_type] != licence_type.holder_kind:
        return "", [FieldError("holder.code_type", "wrong_holder_kind",
                               f"this type is issued to a {licence_type.holder_kind}")]
    try:
        return _normalised_number(request), []
    except InvalidIdentifier as exc:
        return "", [FieldError("holder.number", exc.reason, str(exc))]


def _normalised_number(request: IssueRequest) -> str:
    validate = validate_citizen_id if request.holder.code_type == "111" else validate_uscc
    return validate(request.holder.number)


def _claim_errors(request: IssueRequest, licence_type: TypeInfo) -> list[FieldError]:
    """The claims' schema errors, at most 50, each under its own field name: every
    missing or unexpected claim is reported as ``claims.<name>`` (jsonschema reports a
    whole ``required`` list once per missing name, and all unexpected names at once)."""
    validator = licence_type.validator or Draft202012Validator(
        licence_type.json_schema, format_checker=FormatChecker())
    errors: dict[tuple[str, str], FieldError] = {}
    for error in sorted(validator.iter_errors(request.claims), key=lambda e: list(e.path)):
        for found in _field_errors(error):
            errors.setdefault((found.field, found.reason), found)
    return list(errors.values())[:50]


def _field_errors(error: ValidationError) -> list[FieldError]:
    path = ".".join(str(p) for p in error.absolute_path)

    def at(name: str = "") -> str:
        return "claims." + ".".join(filter(None, [path, name])) if path or name else "claims"

    instance = error.instance if isinstance(error.instance, dict) else {}
    if error.validator == "required":
        missing = [str(n) for n in error.validator_value if n not in instance]
        return [FieldError(at(name[:64]), "required", f"{name!r} is a required property"[:200])
                for name in missing]
    if error.validator == "additionalProperties" and instance:
        extra = sorted(set(instance) - set(error.schema.get("properties", {})))
        return [FieldError(at(str(name)[:64]), "additionalProperties",
                           f"{str(name)[:64]!r} is not a claim of this type")
                for name in extra]
    return [FieldError(at(), str(error.validator), error.message[:200])]


def _window(request: IssueRequest, licence_type: TypeInfo, now: datetime,
            errors: list[FieldError]) -> tuple[datetime, datetime]:
    valid_from = request.valid_from or now
    valid_until = request.valid_until or valid_from + timedelta(days=licence_type.validity_days)
    if valid_until <= valid_from:
        errors.append(FieldError("valid_until", "before_valid_from"))
    elif valid_until <= now:
        errors.append(FieldError("valid_until", "in_the_past"))
    elif valid_until.year > 2200:
        errors.append(FieldError("valid_until", "out_of_range"))
    return valid_from, valid_until


# -- storing --------------------------------------------------------------------


def new_serial(now: datetime) -> str:
    """A date-prefixed serial: YYMMDD then 8 random characters of [0-9A-Z] (14 in all)."""
    tail = "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(8))
    return now.strftime("%y%m%d") + tail


def store(session: Session, deps: Deps, items: list[Prepared], now: datetime, *,
          actor: str = "system", action: str = audit_events.ISSUE) -> list[Licence]:
    """Allocate slots, sign and insert every prepared item in the caller's transaction,
    with one audit entry per licence (``actor`` did ``action``). Signs in
    ``deps.signing_pool`` when there is one; takes the slots of a single issue from
    ``deps.slot_reserve`` when it holds enough (else allocates them here).

    Raises IssuerUnavailable when the department has no signing key, ValidationFailed
    when an item's offline QR would be too large.
    """
    if not items:
        return []
    department = items[0].department
    try:
        signer = deps.cache.signer(department.code)
    except keys.NoActiveKey as exc:
        raise IssuerUnavailable("the department has no active signing key") from exc
    slots = ((deps.slot_reserve.take(department.code, len(items)) if deps.slot_reserve
              else []) or status.allocate(session, department.code, len(items)))
    iat = int(now.timestamp())
    where = {"issuer": deps.issuer, "department_code": department.code, "iat": iat}
    built = [_facts(deps, item, slot, now) for item, slot in zip(items, slots, strict=True)]
    jobs = [(facts, item.licence_type, where) for item, (_, facts) in zip(items, built,
                                                                            strict=True)]
    if deps.signing_pool is not None and len(jobs) > 1:
        # One copy per type (without its compiled validator), shared by its jobs: pickled
        # once per chunk sent to a worker, not once per licence.
        copies: dict[tuple[str, int], Any] = {}
        for _, t, _ in jobs:
            if (t.code, t.version) not in copies:
                copies[t.code, t.version] = (t.for_signing() if hasattr(t, "for_signing")
                                             else t)
        jobs = [(f, copies[t.code, t.version], w) for f, t, w in jobs]
        signed = deps.signing_pool.submit(signer, jobs)
    else:
        signed = functools.partial(sign_here, signer, jobs)
    # While the pool signs: the rows and their idempotency records (which need the
    # identifiers, not the signatures).
    licences = [_row(deps, item, serial, facts, slot, signer.kid, now)
                for item, (serial, facts), slot in zip(items, built, slots, strict=True)]
    records = [{"scope": i.idempotency[0], "key": i.idempotency[1],
                "request_hash": i.idempotency[2], "identifier": lic.identifier,
                "created_at": now}
               for i, lic in zip(items, licences, strict=True) if i.idempotency]
    if records:
        bulk_rows.insert_rows(session, IdempotencyRecord, records)
    for licence, (sd_jwt, offline) in zip(licences, signed(), strict=True):
        if not signing.fits_offline_qr(offline):
            raise ValidationFailed("the claims chosen for the offline QR are too long",
                                   [FieldError("claims", "offline_qr_too_large")])
        licence.sd_jwt, licence.offline_qr = sd_jwt, offline
    # One COPY on PostgreSQL, one multi-row INSERT elsewhere (edge.bulk_rows), not the
    # unit of work: the returned licences are plain objects, not in the session. Every
    # statement runs in the caller's transaction, so a failure anywhere (a taken slot
    # or content key, a refused item) leaves nothing of the batch once it rolls back.
    bulk_rows.insert_rows(session, Licence, [_values(licence) for licence in licences])
    # The audit entries last: the audit lock (one for the whole deployment, held to the
    # commit) is taken as late as possible, and never by a batch that failed above.
    audit_events.issued(session, licences, actor=actor, action=action)
    return licences


_COLUMNS = ("identifier", "type_code", "type_version", "department_code", "serial", "version",
            "holder_code_type", "holder_number", "holder_name", "claims", "valid_from",
            "valid_until", "issued_at", "state", "status_list_id", "status_idx", "kid",
            "reference_hash", "previous_identifier", "sd_jwt", "offline_qr")


def _values(licence: Licence) -> dict[str, Any]:
    state = licence.__dict__
    return {name: state[name] for name in _COLUMNS}


def _facts(deps: Deps, item: Prepared, slot: tuple[str, int], now: datetime
           ) -> tuple[str, signing.LicenceFacts]:
    department, licence_type, request = item.department, item.licence_type, item.request
    serial = item.serial or new_serial(now)
    identifier = str(make_license_id(licence_type.code, department.uscc, serial, item.version))
    uri = layout.status_uri(deps.issuer, department.code, slot[0])
    return serial, signing.LicenceFacts(
        identifier=identifier, type_code=licence_type.code, type_name=licence_type.name_zh,
        type_version=licence_type.version,
        holder_code_type=request.holder.code_type, holder_number=item.holder_number,
        holder_name=request.holder.name, claims=request.claims, valid_from=item.valid_from,
        valid_until=item.valid_until, status_idx=slot[1], status_uri=uri)


def _row(deps: Deps, item: Prepared, serial: str, facts: signing.LicenceFacts,
         slot: tuple[str, int], kid: str, now: datetime) -> Licence:
    """The licence row without its signed forms (set once signed)."""
    request, identifier = item.request, facts.identifier
    token = deps.references.new_token(identifier)
    return bulk_rows.plain(Licence, {
        "identifier": identifier, "type_code": facts.type_code,
        "type_version": facts.type_version, "department_code": item.department.code,
        "serial": serial, "version": f"{item.version:03d}",
        "holder_code_type": request.holder.code_type, "holder_number": item.holder_number,
        "holder_name": request.holder.name, "claims": request.claims,
        "valid_from": item.valid_from, "valid_until": item.valid_until, "issued_at": now,
        "state": "valid", "status_list_id": slot[0], "status_idx": slot[1], "kid": kid,
        "reference_hash": references.token_hash(token), "previous_identifier": item.previous,
        "sd_jwt": None, "offline_qr": None})


# -- idempotency -------------------------------------------------------------------


def replay(session: Session, scope: str, key: str, digest: str) -> Licence | None:
    """The licence an earlier request with this key created, if any.

    Raises IdempotencyKeyReused when the earlier request had another body.
    """
    record = session.get(IdempotencyRecord, (scope, key))
    if record is None:
        return None
    if record.request_hash != digest:
        raise _reused()
    return session.get(Licence, record.identifier)


def _reused() -> IdempotencyKeyReused:
    return IdempotencyKeyReused("this Idempotency-Key was used with a different request",
                                [FieldError("Idempotency-Key", "reused_with_other_body")])


def earlier_requests(session: Session, scope: str, keys_: Iterable[str], *,
                     licences_too: bool = True) -> dict[str, tuple[str, Licence | None]]:
    """key -> (request hash, licence) for the keys already used in ``scope``
    (licence None unless ``licences_too``).

    Two queries per 500 keys, however many keys there are: a re-sent batch or a
    re-run import is checked in bulk, not one query per item.
    """
    wanted = list(dict.fromkeys(keys_))
    records: dict[str, tuple[str, str]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        rows = session.execute(select(IdempotencyRecord.key, IdempotencyRecord.request_hash,
                                      IdempotencyRecord.identifier).where(
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key.in_(wanted[start:start + _IN_CHUNK])))
        records.update({key: (digest, identifier) for key, digest, identifier in rows})
    identifiers = [identifier for _, identifier in records.values()] if licences_too else []
    licences: dict[str, Licence] = {}
    for start in range(0, len(identifiers), _IN_CHUNK):
        licences.update({row.identifier: row for row in session.scalars(select(Licence).where(
            Licence.identifier.in_(identifiers[start:start + _IN_CHUNK])))})
    return {key: (digest, licences.get(identifier))
            for key, (digest, identifier) in records.items()}


# -- the entry points ------------------------------------------------------------------


def issue_one(session: Session, deps: Deps, department_code: str, request: IssueRequest, *,
              scope: str | None = None, key: str | None = None) -> Outcome:
    """Issue one request in the caller's transaction (one request, one unit of work).

    Writes nothing until the licence is stored, so a lost race (the same
    Idempotency-Key sent twice at once) is retried after rolling the caller's
    transaction back: the retry replays the licence the other request stored.
    Every refusal (an unknown department included) is the Outcome's ``error``.
    """
    now = deps.clock()
    origin = {"actor": scope or "system", "action": audit_events.ISSUE}
    for _ in range(_RETRIES):
        try:
            cat = catalogue_of(session, deps, department_code)
            result = _check_one(session, cat, request, scope, key,
                                earlier_requests(session, scope, [key]) if scope and key
                                else {}, now)
            if isinstance(result, Outcome):
                return result
            return Outcome(licence=store(session, deps, [result], now, **origin)[0])
        except CredentialsError as exc:
            return Outcome(error=exc)
        except IntegrityError:
            session.rollback()
    return Outcome(error=ValidationFailed("the licence could not be stored; retry",
                                          [FieldError("body", "conflict")]))


def issue_many(deps: Deps, department_code: str, requests: list[IssueRequest | CredentialsError],
               *, scope: str | None = None, keys_: list[str | None] | None = None,
               chunk: int = 200, actor: str | None = None,
               action: str = audit_events.ISSUE) -> list[Outcome]:
    """Issue each request (or pass through its parse error); one Outcome per item.

    ``scope`` and ``keys_`` give idempotency keys per item (None: no key).
    ``actor`` (default: ``scope``) and ``action`` name the audit entries.
    Raises NotFound for an unknown department.
    """
    checked = check_many(deps, department_code, requests, scope=scope, keys_=keys_)
    return store_checked(deps, checked, chunk=chunk, actor=actor or scope, action=action)


@dataclass
class Checked:
    """``check_many``'s result: the outcomes known already (replays, refusals) and the
    items to store, checked at ``now``."""

    outcomes: list[Outcome]
    pending: list[tuple[int, Prepared]]
    now: datetime


def check_many(deps: Deps, department_code: str,
               requests: list[IssueRequest | CredentialsError], *, scope: str | None = None,
               keys_: list[str | None] | None = None) -> Checked:
    """``issue_many``'s first half, which writes nothing: the catalogue checks and the
    idempotency look-ups of every item, in one read-only session. Raises NotFound for
    an unknown department."""
    now = deps.clock()
    outcomes = [Outcome() for _ in requests]
    pending: list[tuple[int, Prepared]] = []
    with deps.sessions() as session:
        cat = catalogue_of(session, deps, department_code)
        earlier = earlier_requests(session, scope, [k for k in keys_ or () if k]) if scope else {}
        for index, request in enumerate(requests):
            key = keys_[index] if keys_ else None
            result = _check_one(session, cat, request, scope, key, earlier, now)
            if isinstance(result, Outcome):
                outcomes[index] = result
            else:
                pending.append((index, result))
        session.expunge_all()
    return Checked(outcomes, pending, now)


def store_checked(deps: Deps, checked: Checked, *, chunk: int = 200, actor: str | None = None,
                  action: str = audit_events.ISSUE) -> list[Outcome]:
    """``issue_many``'s second half: store the checked items, ``chunk`` per transaction
    (an item whose chunk fails is retried on its own); returns every item's Outcome.
    A key stored since the check (another batch, another process) is found by the
    unique indexes and replayed or refused then, as in a race."""
    origin = {"actor": actor or "system", "action": action}
    pending = checked.pending
    for start in range(0, len(pending), chunk):
        _store_chunk(deps, pending[start:start + chunk], checked.outcomes, checked.now, origin)
    return checked.outcomes


def _check_one(session: Session, cat: Catalogue, request: IssueRequest | CredentialsError,
               scope: str | None, key: str | None,
               earlier: dict[str, tuple[str, Licence | None]], now: datetime) -> Outcome | Prepared:
    if isinstance(request, CredentialsError):
        return Outcome(error=request)
    digest = request_hash(request) if scope and key else None
    try:
        if key in earlier:
            if earlier[key][0] != digest:
                raise _reused()
            return Outcome(licence=earlier[key][1], replayed=True)
        prepared = prepare(session, cat, request, now)
    except CredentialsError as exc:
        return Outcome(error=exc)
    if scope and key:
        prepared.idempotency = (scope, key, digest)
    return prepared


def _store_chunk(deps: Deps, items: list[tuple[int, Prepared]], outcomes: list[Outcome],
                 now: datetime, origin: dict[str, str]) -> None:
    try:
        with deps.sessions.begin() as session:
            licences = store(session, deps, [p for _, p in items], now, **origin)
        for (index, _), licence in zip(items, licences, strict=True):
            outcomes[index] = Outcome(licence=licence)
    except SigningPoolBroken:
        if not deps.pool_optional:
            raise
        # The chunk rolled back whole; sign it again here (the pool restarts later).
        _store_chunk(replace(deps, signing_pool=None), items, outcomes, now, origin)
    except (IntegrityError, CredentialsError):
        if len(items) > 1:
            for item in items:
                _store_chunk(deps, [item], outcomes, now, origin)
        else:
            outcomes[items[0][0]] = _store_alone(deps, items[0][1], now, origin)


def _store_alone(deps: Deps, item: Prepared, now: datetime, origin: dict[str, str]) -> Outcome:
    """One item in its own transaction, retried on a lost race (slot or key)."""
    for _ in range(_RETRIES):
        try:
            with deps.sessions.begin() as session:
                if item.idempotency:
                    earlier = replay(session, *item.idempotency)
                    if earlier is not None:
                        return Outcome(licence=earlier, replayed=True)
                return Outcome(licence=store(session, deps, [item], now, **origin)[0])
        except CredentialsError as exc:
            return Outcome(error=exc)
        except IntegrityError:
            continue
    return Outcome(error=ValidationFailed("the licence could not be stored; retry",
                                          [FieldError("body", "conflict")]))
