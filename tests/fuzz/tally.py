"""pytest plugin (``-p tests.fuzz.tally``): requests sent per endpoint or form by the
fuzz runs, and the slowest answer of each in seconds, printed after the run for the
numbers the budget buys. With pytest-xdist each worker counts its own and the main
process adds them up.
"""

from collections import Counter

import pytest

SENT: Counter = Counter()
SLOWEST: dict[str, float] = {}


def sent(label: str, seconds: float = 0.0) -> None:
    SENT[label] += 1
    SLOWEST[label] = max(SLOWEST.get(label, 0.0), seconds)


def pytest_sessionfinish(session):
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["fuzz_tally"] = (dict(SENT), SLOWEST)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    sent_there, slowest_there = getattr(node, "workeroutput", {}).get(
        "fuzz_tally", ({}, {})
    )
    SENT.update(sent_there)
    for label, seconds in slowest_there.items():
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
