"""Time-based one-time passwords (RFC 6238) as the second factor.

30-second steps, 6 digits, HMAC-SHA-1: what every authenticator app understands.
One step of drift either way is accepted (RFC 6238 section 5.2), and the last
accepted step is remembered per account, so a code is never accepted twice
(section 5.2: "the verifier MUST NOT accept the second attempt of the same OTP").
Seeds are sealed at rest (``idp.sealing``) under a key derived from the KEK
(``idp.second_factor_keys``); a value sealed that way starts with ``k1.``.
"""

from __future__ import annotations

import hmac
import io
import time

import pyotp
import segno
from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from edge.timestamps import utcnow
from idp import recovery_codes, sealing
from idp.errors import InvalidSecondFactor, SealBroken, SecondFactorNotEnrolled
from idp.models.accounts import Account
from idp.second_factor_keys import SecondFactorKeys

ISSUER = "onegate"
STEP_SECONDS = 30
DIGITS = 6
VALID_WINDOW = 1
SEALED_PREFIX = "k1."


def _aad(account: Account) -> bytes:
    return b"totp:" + account.sub.encode()


def _seal(keys: SecondFactorKeys, account: Account, secret: str) -> str:
    return SEALED_PREFIX + sealing.seal(keys.seal, secret.encode(), _aad(account))


def _open(keys: SecondFactorKeys, account: Account, stored: str) -> tuple[str, bool]:
    """The seed and whether it was sealed the old way (under the cookie secret);
    raises SealBroken when it cannot be opened."""
    if stored.startswith(SEALED_PREFIX):
        return sealing.unseal(keys.seal, stored[len(SEALED_PREFIX):], _aad(account)).decode(), False
    if keys.legacy_seal is None:
        raise SealBroken("seed sealed under a key that is no longer configured")
    return sealing.unseal(keys.legacy_seal, stored, _aad(account)).decode(), True


def provisioning_uri(secret: str, account_name: str) -> str:
    """The ``otpauth://totp/...`` URI an authenticator app scans."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    """The URI as a standalone SVG QR code (served as an image, no script)."""
    out = io.BytesIO()
    segno.make(uri, error="m", micro=False).save(out, kind="svg", scale=6, border=4,
                                                  xmldecl=True, svgns=True)
    return out.getvalue()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step within the window whose code equals ``code``, or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not code.isdigit():
        return None
    totp, current = pyotp.TOTP(secret), int(now // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def begin_enrolment(session: Session, account: Account, keys: SecondFactorKeys) -> str:
    """Create and store (sealed) a pending seed; return it in base32 for the QR code."""
    secret = pyotp.random_base32(32)
    account.totp_pending_secret = _seal(keys, account, secret)
    session.flush()
    return secret


def pending_secret(account: Account, keys: SecondFactorKeys) -> str | None:
    """The seed awaiting confirmation; raises SealBroken if it cannot be opened."""
    if not account.totp_pending_secret:
        return None
    return _open(keys, account, account.totp_pending_secret)[0]


def confirm_enrolment(session: Session, account: Account, keys: SecondFactorKeys, code: str,
                      now: float | None = None) -> list[str]:
    """Activate the pending seed with its first code; return 10 fresh recovery codes.

    Raises SecondFactorNotEnrolled without a pending seed, InvalidSecondFactor on a
    wrong code.
    """
    secret = pending_secret(account, keys)
    if secret is None:
        raise SecondFactorNotEnrolled("no authenticator enrolment in progress")
    step = matching_step(secret, code, time.time() if now is None else now)
    if step is None:
        raise InvalidSecondFactor("wrong code")
    account.totp_secret, account.totp_pending_secret = _seal(keys, account, secret), None
    account.totp_enabled_at, account.totp_last_step = utcnow(), step
    session.flush()
    return recovery_codes.regenerate(session, account, keys.recovery)


def verify_code(session: Session, account: Account, keys: SecondFactorKeys, code: str,
                now: float | None = None) -> None:
    """Accept a current TOTP code once; raises InvalidSecondFactor (wrong or replayed),
    SecondFactorNotEnrolled when the account has no authenticator and SealBroken when
    its seed cannot be opened. A seed sealed the old way is re-sealed under the KEK."""
    if not account.has_totp:
        raise SecondFactorNotEnrolled("no authenticator enrolled")
    secret, legacy = _open(keys, account, account.totp_secret)
    step = matching_step(secret, code, time.time() if now is None else now)
    if step is None or not _claim_step(session, account, step):
        raise InvalidSecondFactor("wrong or already used code")
    if legacy:
        account.totp_secret = _seal(keys, account, secret)
        session.flush()


def _claim_step(session: Session, account: Account, step: int) -> bool:
    """Atomically move the account's last step forward; False if it was not newer."""
    result = session.execute(
        update(Account).where(Account.id == account.id)
        .where(or_(Account.totp_last_step.is_(None), Account.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount == 1:
        account.totp_last_step = step
    return result.rowcount == 1


def verify_second_factor(session: Session, account: Account, keys: SecondFactorKeys,
                         code: str, now: float | None = None) -> None:
    """A TOTP code, or else a recovery code (used up); raises InvalidSecondFactor."""
    if (code or "").strip().replace(" ", "").isdigit():
        verify_code(session, account, keys, code, now)
        return
    recovery_codes.use(session, account, keys.recovery, code)


def disable(session: Session, account: Account) -> None:
    """Forget the authenticator and its recovery codes."""
    account.totp_secret = account.totp_pending_secret = None
    account.totp_enabled_at = account.totp_last_step = None
    recovery_codes.delete_all(session, account)
    session.flush()
