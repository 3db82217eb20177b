"""What a caller needs to sign: the kid to put in the header and the key object."""

from __future__ import annotations

from dataclasses import dataclass

from keys.algorithms import PrivateKey


@dataclass(frozen=True, slots=True)
class Signer:
    """An active key, decrypted; ``private_key`` is a cryptography object."""

    kid: str
    alg: str
    private_key: PrivateKey

    def __repr__(self) -> str:
        # Keep the key object out of logs and tracebacks.
        return f"Signer(kid={self.kid!r}, alg={self.alg!r})"
