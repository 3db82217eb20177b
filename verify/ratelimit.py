"""verify's rate limit: the shared fixed-window mechanism of ``edge.ratelimit``
(batched settling and its bound are documented there), re-exported under verify's
name so verify's views and the database counter keep their imports."""

from edge.ratelimit import (
    MAX_BATCH,
    MAX_LOCAL_KEYS,
    UNAVAILABLE_RETRY_AFTER,
    Counter,
    FixedWindow,
    MemoryCounter,
    RateLimited,
    RedisCounter,
    Unavailable,
    batch_for,
)

__all__ = ["MAX_BATCH", "MAX_LOCAL_KEYS", "UNAVAILABLE_RETRY_AFTER", "Counter", "FixedWindow",
           "MemoryCounter", "RateLimited", "RedisCounter", "Unavailable", "batch_for"]
