"""Fixtures of the HSDS tests: the seeded demo region is the directory tests' own."""

from tests.directory.conftest import seeded, small_package  # noqa: F401
