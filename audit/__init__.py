"""Keyed, checkpointed, append-only audit log.

Each entry carries the previous entry's hash and its own HMAC-SHA256 under a key
derived from the KEK (``audit.keying``), so editing, deleting or recomputing any row
breaks the chain for anyone who lacks the KEK. Checkpoints of the chain head are
signed (``audit.checkpoint``, ``audit.checkpoints``) and published, so deleting the
tail is found too. ``audit.chain``, ``audit.checkpoint`` and ``audit.keying`` are
pure (no Flask, no SQLAlchemy); ``audit.log`` stores entries; ``audit.verification``
checks everything; ``audit.cli`` offers ``onegate audit verify|checkpoint|list``;
``audit.routes`` serves ``/audit/checkpoint`` and ``/audit/jwks``.

This package imports nothing else of ours, so every package may append to it; admin
hands it the chain key and the checkpoint signer (``audit.trail``).
"""
