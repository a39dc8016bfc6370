"""The connection to the search engine (Elasticsearch REST API) and when to skip it."""

import logging
import threading
import time
from functools import lru_cache

from django.conf import settings
from elasticsearch import ApiError, Elasticsearch, TransportError

log = logging.getLogger(__name__)

# Errors that mean "the engine cannot answer now": fall back to the database.
ENGINE_ERRORS = (TransportError, ApiError, OSError)


class SearchUnavailable(Exception):
    """The engine is not configured, down, or answered with an error."""


@lru_cache(maxsize=1)
def _client(url: str, timeout: float) -> Elasticsearch:
    return Elasticsearch(
        url, request_timeout=timeout, retry_on_timeout=False, max_retries=0
    )


def client() -> Elasticsearch:
    """The shared client; raises SearchUnavailable when no SEARCH_URL is configured."""
    if not settings.SEARCH_URL:
        raise SearchUnavailable("SEARCH_URL is not set")
    return _client(settings.SEARCH_URL, float(settings.SEARCH_TIMEOUT))


def alias_name() -> str:
    """The alias all reads and writes use (the index behind it changes on rebuild)."""
    return f"{settings.SEARCH_INDEX_PREFIX}-offers"


class CircuitBreaker:
    """After a failure, skip the engine for a while instead of waiting on timeouts.

    Readers then get the database fallback at once; the first request after the pause
    tries the engine again, so recovery needs nobody.
    """

    def __init__(self) -> None:
        self._open_until = 0.0
        self._lock = threading.Lock()

    def allows(self) -> bool:
        return time.monotonic() >= self._open_until

    def failed(self, error: Exception) -> None:
        pause = float(settings.SEARCH_RETRY_PAUSE)
        with self._lock:
            self._open_until = time.monotonic() + pause
        log.warning(
            "search engine unavailable, using the database for %ss: %s", pause, error
        )

    def succeeded(self) -> None:
        self._open_until = 0.0


breaker = CircuitBreaker()


_index_models: dict[str, tuple[float, str | None]] = {}
_index_models_lock = threading.Lock()
INDEX_MODEL_SECONDS = 60.0


def index_model() -> str | None:
    """The embedding model the current index was built with (None: no vectors);
    looked up once a minute per process."""
    alias = alias_name()
    now = time.monotonic()
    cached = _index_models.get(alias)
    if cached and cached[0] > now:
        return cached[1]
    mappings = client().indices.get_mapping(index=alias)
    models = {
        (body.get("mappings", {}).get("_meta") or {}).get("embedding_model")
        for body in mappings.values()
    }
    model = models.pop() if len(models) == 1 else None
    with _index_models_lock:
        _index_models[alias] = (now + INDEX_MODEL_SECONDS, model)
    return model


def index_model_forget() -> None:
    _index_models.clear()
