"""Benchmarks: seed time for a large region, then per-page latency, queries and bytes.

Usage: .venv/bin/python scripts/bench.py [--offers N] [--requests R]
Runs against a throw-away SQLite database in a temporary directory (or DATABASE_URL if set;
that database must be empty). Prints figures; asserts nothing.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--offers", type=int, default=int(os.environ.get("BENCH_OFFERS", 10_000))
    )
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    os.environ.setdefault(
        "WEGWEISER_VAR_DIR", tempfile.mkdtemp(prefix="wegweiser-bench-")
    )
    os.environ.setdefault("DJANGO_DEBUG", "1")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.dummy.DummyBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from directory.models import ContactPointPage, OfferPage

    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0, stdout=open(os.devnull, "w"))
    print(f"migrate: {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    call_command(
        "seed_demo", "--offers", str(args.offers), stdout=open(os.devnull, "w")
    )
    seconds = time.perf_counter() - started
    print(
        f"seed_demo --offers {args.offers}: {seconds:.1f} s ({args.offers / seconds:.0f} offers/s)"
    )

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    offer = OfferPage.objects.live().order_by("-pk").first()
    point = ContactPointPage.objects.live().first()
    pages = {}
    for language in ("de", "ar"):
        with translation.override(language):
            pages.update(
                {
                    f"home ({language})": f"/{language}/",
                    f"topic listing ({language})": f"/{language}/topics/sprache/",
                    f"topic listing page 20 ({language})": f"/{language}/topics/sprache/?page=20",
                    f"offer ({language})": offer.url,
                    f"contact point ({language})": point.url,
                    f"agency ({language})": offer.agency.url,
                    f"search 'deutsch' ({language})": f"/{language}/search/?q=deutsch",
                }
            )
    css = (ROOT / "static/css/site.css").stat().st_size
    print(
        f"\nstatic: site.css {css} B, icons.svg {(ROOT / 'static/icons.svg').stat().st_size} B"
    )
    print(
        f"\n{'page':34} {'status':>6} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} {'HTML B':>8}"
    )
    for name, url in pages.items():
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        timings.sort()
        p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
        print(
            f"{name:34} {response.status_code:>6} {statistics.median(timings):>8.1f} "
            f"{p95:>8.1f} {len(queries):>8} {len(response.content):>8}"
        )


if __name__ == "__main__":
    main()
