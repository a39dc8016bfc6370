"""Fixed-window counters in Django's cache for sign-up and mail limits."""

from django.core.cache import cache


def allow(key: str, *, limit: int, seconds: int) -> bool:
    """Count one hit on ``key``; False once more than ``limit`` hits fall in the
    current window of ``seconds``.
    """
    if limit <= 0:
        return True
    full_key = f"newsletter-rl:{key}"
    if cache.add(full_key, 1, timeout=seconds):
        return True
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.add(full_key, 1, timeout=seconds)
        return True
    return count <= limit
