"""A limit per client address for the doors anyone may open without signing in (the public "ask for help"
form, the certificate check): a counter in the cache per scope and client for a window, keyed by a digest
so that no address is kept in the cache. Per cache: with the default local-memory cache, per process."""
import hashlib

from django.conf import settings
from django.core.cache import cache


def over_limit(scope, client, limit, window=3600):
    """Count one more request of `client` (its address, or None) in `scope`; True once more than `limit` were
    made within `window` seconds."""
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{client or '-'}".encode()).hexdigest()[:32]
    key = f"nicat:{scope}:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
