"""Fuzz runs: the demo region once for the folder, the example budget, the tally."""

import os
from collections import Counter

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.demo_region import demo_region_seeded

# Requests sent per endpoint or form, and the slowest answer of each in seconds:
# printed after the run, for the numbers the budget buys.
SENT: Counter = Counter()
SLOWEST: dict[str, float] = {}


def sent(label: str, seconds: float = 0.0) -> None:
    SENT[label] += 1
    SLOWEST[label] = max(SLOWEST.get(label, 0.0), seconds)


def pytest_terminal_summary(terminalreporter):
    if not SENT:
        return
    terminalreporter.section("fuzz inputs per endpoint and form")
    for label, count in sorted(SENT.items()):
        terminalreporter.write_line(
            f"{count:6d}  slowest {SLOWEST[label]:5.2f} s  {label}"
        )
    terminalreporter.write_line(f"{sum(SENT.values()):6d}  in all")


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
