"""Hash-chained, append-only audit log.

Each entry carries the SHA-256 of the previous one, so editing or deleting any
row breaks the chain from that row on. ``audit.chain`` is pure (no Flask, no
SQLAlchemy); ``audit.log`` stores entries through SQLAlchemy; ``audit.cli``
offers ``onegate audit verify`` and ``onegate audit list``.

This package imports nothing else of ours, so every package may append to it.
"""
