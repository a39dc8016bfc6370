"""Embedders for tests: the real model counted, and models that fail."""

import numpy as np

from search.embedding import MultilingualE5Small


class CountingE5(MultilingualE5Small):
    """The real model; counts the passages it embeds (class-wide, reset by tests)."""

    embedded: list[str] = []

    def passages(self, texts: list[str]) -> np.ndarray:
        CountingE5.embedded.extend(texts)
        return super().passages(texts)


class OtherModel(MultilingualE5Small):
    """The same vectors under another name: stands for a model upgrade."""

    model = "another-model/1"


class UnloadableModel:
    def __init__(self) -> None:
        raise OSError("model file missing")


class FailingModel(MultilingualE5Small):
    """Loads, answers queries, fails on passages (e.g. out of memory mid-index)."""

    def passages(self, texts: list[str]) -> np.ndarray:
        raise MemoryError("no memory left")
