"""Fuzz runs: the demo region once for the folder, the example budget (the tally of
requests sent is the plugin ``tests.fuzz.tally``)."""

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.demo_region import demo_region_seeded


def examples(default: int) -> int:
    """``default`` generated inputs, times FUZZ_EXAMPLES / 100 when that is set."""
    scale = int(os.environ.get("FUZZ_EXAMPLES", "100"))
    return max(1, default * scale // 100)


def budget(default: int) -> hypothesis_settings:
    """Hypothesis settings of one fuzz test: reproducible, no deadline."""
    return hypothesis_settings(
        max_examples=examples(default),
        deadline=None,
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
        print_blob=True,
    )


@pytest.fixture(scope="package")
def seeded(django_db_setup, django_db_blocker):
    """The demo region, seeded once for the fuzz runs (``demo_region_seeded``)."""
    with django_db_blocker.unblock(), demo_region_seeded():
        yield
