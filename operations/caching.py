"""The public content's generation in the shared cache: everything cached from public
content (counts, listings, whole pages) is keyed by it, so renewing it once forgets
all of it on every app server at once."""

import uuid

from django.core.cache import cache

PUBLIC_GENERATION_KEY = "operations:public-generation"


def public_generation() -> str:
    """The current generation (made, and shared, on first use)."""
    generation = cache.get(PUBLIC_GENERATION_KEY)
    if generation is None:
        cache.add(PUBLIC_GENERATION_KEY, uuid.uuid4().hex, None)
        # Another server may have added its own meanwhile: everyone uses the stored one.
        generation = cache.get(PUBLIC_GENERATION_KEY) or uuid.uuid4().hex
    return generation


def public_content_changed() -> None:
    """Forget everything cached from public content, on all servers."""
    cache.set(PUBLIC_GENERATION_KEY, uuid.uuid4().hex, None)


def public_cached(name: str, build, *, seconds: int):
    """``build()``'s value, kept ``seconds`` under the current generation."""
    key = f"public:{name}:{public_generation()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value
