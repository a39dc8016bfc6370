"""Fixed-window counters in the shared cache: limits per client address or account
that hold on every app server at once."""

from django.core.cache import cache


def allow(key: str, *, limit: int, seconds: int) -> bool:
    """Count one hit on ``key``; False once more than ``limit`` hits fall in the
    current window of ``seconds`` (``limit`` 0 or less: no limit).
    """
    if limit <= 0:
        return True
    full_key = f"rate:{key}"
    if cache.add(full_key, 1, timeout=seconds):
        return True
    try:
        count = cache.incr(full_key)
    except ValueError:  # expired between add and incr
        cache.add(full_key, 1, timeout=seconds)
        return True
    return count <= limit
