"""The public content's generation in the shared cache: everything cached from public
content (counts, listings, whole pages) is keyed by it, so renewing it once forgets
all of it on every app server at once."""

import uuid

from django.core.cache import cache
from django.db import connection, transaction

PUBLIC_GENERATION_KEY = "operations:public-generation"


def _mark(name: str, value) -> None:
    # Per database connection (and so per thread): what this connection's
    # transaction has read and changed.
    setattr(connection, name, value)


def public_generation() -> str:
    """The current generation (made, and shared, on first use)."""
    # Read under the current generation: a later change in this transaction must
    # renew it at once (see public_content_changed_in_transaction).
    _mark("public_generation_read", True)
    generation = cache.get(PUBLIC_GENERATION_KEY)
    if generation is None:
        cache.add(PUBLIC_GENERATION_KEY, uuid.uuid4().hex, None)
        # Another server may have added its own meanwhile: everyone uses the stored one.
        generation = cache.get(PUBLIC_GENERATION_KEY) or uuid.uuid4().hex
    return generation


def public_content_changed() -> None:
    """Forget everything cached from public content, on all servers."""
    cache.set(PUBLIC_GENERATION_KEY, uuid.uuid4().hex, None)
    _mark("public_generation_read", False)


def public_content_changed_in_transaction() -> None:
    """A change in the current transaction: renewed after the commit (other servers
    must not keep what they cached from the state before it), and at once only when
    this connection has read cached content since the last renewal (its own later
    reads must see the change). A bulk write (seed_demo, an import) thus renews
    about once, not once per row.
    """
    if not connection.in_atomic_block:
        public_content_changed()
        return
    if getattr(connection, "public_generation_read", True):
        public_content_changed()
    _mark("public_renewed_at_commit", False)
    block = connection.atomic_blocks[-1]
    if getattr(connection, "public_change_block", None) is not block:
        # Once per (innermost) block: a savepoint rolled back drops its callback,
        # the next block registers its own; at the commit the first one renews.
        _mark("public_change_block", block)
        transaction.on_commit(_renew_once_per_commit)


def _renew_once_per_commit() -> None:
    if not getattr(connection, "public_renewed_at_commit", False):
        public_content_changed()
        _mark("public_renewed_at_commit", True)


def public_cached(name: str, build, *, seconds: int):
    """``build()``'s value, kept ``seconds`` under the current generation."""
    key = f"public:{name}:{public_generation()}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, seconds)
    return value
