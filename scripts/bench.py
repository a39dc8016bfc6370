"""Benchmarks: seed time for a large region, then per-page latency, queries and bytes.

Usage: .venv/bin/python scripts/bench.py [--offers N] [--requests R]
Runs against a throw-away SQLite database in a temporary directory (or DATABASE_URL
if set; that database must be empty). Prints figures; asserts nothing.
"""

import argparse
import json
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
    parser.add_argument("--search-requests", type=int, default=10)
    parser.add_argument("--skip-search", action="store_true")
    parser.add_argument("--skip-relevance", action="store_true")
    parser.add_argument("--skip-hsds", action="store_true")
    parser.add_argument("--skip-newsletter", action="store_true")
    parser.add_argument(
        "--deliveries", type=int, default=10_000, help="newsletter send benchmark"
    )
    args = parser.parse_args()

    engine_process = None
    if not args.skip_search and not os.environ.get("SEARCH_URL"):
        from search.local_engine import LocalEngine

        engine_process = LocalEngine().start()
        os.environ["SEARCH_URL"] = engine_process.url
    try:
        run(args)
    finally:
        if engine_process is not None:
            engine_process.stop()


def run(args) -> None:
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
        f"seed_demo --offers {args.offers}: {seconds:.1f} s "
        f"({args.offers / seconds:.0f} offers/s)"
    )
    if settings.SEARCH_URL:
        from search.indexing import rebuild

        result = rebuild()
        print(
            f"search_rebuild: {result['documents']} offers "
            f"in {result['seconds']:.1f} s "
            f"({result['documents'] / result['seconds']:.0f} offers/s)"
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
                    f"topic listing page 20 ({language})": (
                        f"/{language}/topics/sprache/?page=20"
                    ),
                    f"offer ({language})": offer.url,
                    f"contact point ({language})": point.url,
                    f"agency ({language})": offer.agency.url,
                    f"search 'deutsch' ({language})": f"/{language}/search/?q=deutsch",
                    f"finder answer ({language})": (
                        f"/{language}/who-is-responsible/"
                        "?topic=arbeit&status=duldung&postcode=86733"
                    ),
                    f"HSDS services, 50 ({language})": (
                        f"/api/hsds/services?lang={language}"
                    ),
                }
            )
    if settings.SEARCH_URL:
        pages.update({"search page 'deutsch' (de)": "/de/search/?q=deutsch"})
    css = (ROOT / "static/css/site.css").stat().st_size
    print(
        f"\nstatic: site.css {css} B, "
        f"icons.svg {(ROOT / 'static/icons.svg').stat().st_size} B"
    )
    print(
        f"\n{'page':34} {'status':>6} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'queries':>8} {'HTML B':>8}"
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
    if not args.skip_newsletter:
        from bench_newsletter_send import bench_newsletter_send

        bench_newsletter()
        bench_newsletter_send(deliveries=args.deliveries)
    if not args.skip_hsds:
        bench_hsds()
    bench_database_search(args.requests)
    if settings.SEARCH_URL:
        bench_search(client, args.search_requests)
        if not args.skip_relevance:
            from django.test.utils import override_settings

            with override_settings(SEARCH_INDEX_PREFIX="bench-relevance"):
                bench_relevance()


def bench_hsds() -> None:
    """Export the region as HSDS (JSON, tabular), then import the JSON into an empty
    database in a separate process, twice (new, then unchanged).
    """
    import subprocess

    from django.core.management import call_command

    folder = Path(tempfile.mkdtemp(prefix="wegweiser-hsds-"))
    print()
    for fmt, target in (("json", folder / "export.json"), ("tabular", folder / "tab")):
        started = time.perf_counter()
        call_command(
            "export_hsds", str(target), "--format", fmt, stdout=open(os.devnull, "w")
        )
        seconds = time.perf_counter() - started
        size = (
            target.stat().st_size
            if target.is_file()
            else sum(p.stat().st_size for p in target.iterdir())
        )
        print(f"export_hsds --format {fmt}: {seconds:.1f} s, {size / 1e6:.0f} MB")
    count = len(json.loads((folder / "export.json").read_text(encoding="utf-8")))
    environment = {
        **os.environ,
        "WEGWEISER_VAR_DIR": str(folder / "empty"),
        "DJANGO_DEBUG": "1",
    }
    environment.pop("DATABASE_URL", None)
    environment.pop("SEARCH_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(  # noqa: S603 - our interpreter, our manage.py
        [*manage, "migrate", "--noinput", "-v", "0"],
        env=environment,
        check=True,
        capture_output=True,
    )
    for attempt in ("into an empty database", "again (unchanged)"):
        result = subprocess.run(  # noqa: S603
            [*manage, "import_hsds", str(folder / "export.json")],
            env=environment,
            capture_output=True,
            text=True,
        )
        summary = (result.stdout.strip().splitlines() or ["?"])[-1]
        print(f"import_hsds {count} services {attempt}: {summary}")


def bench_newsletter(items: int = 30, rounds: int = 20) -> None:
    """Render every language edition of an issue with ``items`` seeded entries
    (offers, four responsibilities, two news items): content snapshot and HTML/text.
    """
    from django.conf import settings

    from directory.models import OfferPage, Responsibility
    from newsletter.models import Issue, IssueItem, NewsItem
    from newsletter.rendering import edition_content, edition_render, editions_render

    offers = list(
        OfferPage.objects.live().exclude(status="ended").order_by("pk")[: items - 6]
    )
    rules = list(Responsibility.objects.order_by("pk")[:4])
    news = [
        NewsItem.objects.create(
            agency=offers[0].agency,
            title_de=f"Neue Sprechzeiten {n}",
            title_ar=f"مواعيد جديدة {n}",
            body_de="Ab Mai auch samstags von 9 bis 12 Uhr, ohne Termin. " * 3,
            body_ar="ابتداءً من مايو أيضاً أيام السبت من 9 إلى 12، بدون موعد. " * 3,
            topic=offers[0].topics.first() if n else None,
        )
        for n in range(2)
    ]
    issue = Issue.objects.create(
        subject_de="Neues im Mai",
        subject_ar="جديد في مايو",
        intro_de="Neue Angebote, Zuständigkeiten und Nachrichten aus der Region. " * 3,
    )
    kinds = [("offer", o) for o in offers] + [("responsibility", r) for r in rules]
    kinds += [("news", n) for n in news]
    for position, (kind, obj) in enumerate(kinds):
        IssueItem.objects.create(issue=issue, sort_order=position, **{kind: obj})
    languages = issue.edition_languages()

    def content_all() -> dict:
        return {code: edition_content(issue=issue, language=code) for code in languages}

    def render_all(contents: dict) -> dict:
        return {
            code: edition_render(issue=issue, language=code, content=contents[code])
            for code in languages
        }

    def best_ms(work) -> tuple[float, float]:
        timings = []
        for _ in range(rounds):
            started = time.perf_counter()
            work()
            timings.append((time.perf_counter() - started) * 1000)
        return min(timings), statistics.median(timings)

    contents = content_all()
    editions = render_all(contents)
    content_ms = best_ms(content_all)
    render_ms = best_ms(lambda: render_all(contents))
    # What sending does: items read once for all editions, then each rendered.
    together_ms = best_ms(lambda: editions_render(issue=issue, languages=languages))
    print(
        f"\nnewsletter: {len(kinds)} items x {len(languages)} editions "
        f"(best / median of {rounds})"
    )
    print(f"  content snapshots:  {content_ms[0]:6.1f} / {content_ms[1]:6.1f} ms")
    print(f"  render (MJML, text): {render_ms[0]:5.1f} / {render_ms[1]:6.1f} ms")
    print(f"  one by one, both:   {content_ms[0] + render_ms[0]:6.1f} ms")
    print(
        f"  editions_render (items read once): {together_ms[0]:5.1f} / "
        f"{together_ms[1]:6.1f} ms (goal < 50)"
    )
    limit = settings.NEWSLETTER_HTML_WARN_BYTES
    print(f"  {'edition':8} {'HTML B':>8} {'text B':>7} {'German':>6}  warnings")
    for code, edition in editions.items():
        print(
            f"  {code:8} {edition.html_bytes:>8} {len(edition.text.encode()):>7} "
            f"{edition.fallback_items:>6}  "
            f"{'over ' + str(limit) if edition.html_bytes > limit else ''}"
        )


SEARCH_QUERIES = [
    ("de", "Deutschkurs für Frauen mit Kinderbetreuung"),
    ("de", "Beratung Aufenthalt"),
    ("en", "legal advice"),
    ("ar", "دورة لغة"),
    ("uk", "юрист"),
    ("de", ""),  # facets only
]


def bench_search(client, requests: int) -> None:
    """API latency, the engine's share of it, and database queries per request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from search import engine

    es = engine.client()
    engine_time = []
    original = es.search

    def timed_search(*a, **kw):
        started = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            engine_time.append((time.perf_counter() - started) * 1000)

    es.search = timed_search  # type: ignore[method-assign]
    print(
        f"\n{'search API':52} {'p50 ms':>8} {'p95 ms':>8} {'engine':>8} {'ours':>6} "
        f"{'queries':>7} {'hits':>6}"
    )
    try:
        for language, query in SEARCH_QUERIES:
            params = {"q": query, "lang": language}
            if not query:
                params.update({"topic": "sprache", "free": "true"})
            client.get("/api/search/", params)  # warm up
            totals, engines = [], []
            for _ in range(requests):
                engine_time.clear()
                started = time.perf_counter()
                response = client.get("/api/search/", params)
                totals.append((time.perf_counter() - started) * 1000)
                engines.append(sum(engine_time))
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/search/", params)
            data = response.json()
            totals.sort()
            own = statistics.median(
                t - e for t, e in zip(totals, sorted(engines), strict=False)
            )
            label = f"{language}: {query or 'topic=sprache&free=true'}"[:52]
            p95 = totals[min(len(totals) - 1, int(len(totals) * 0.95))]
            print(
                f"{label:52} {statistics.median(totals):>8.0f} {p95:>8.0f} "
                f"{statistics.median(engines):>8.0f} {own:>6.1f} {len(queries):>7} "
                f"{data['count']:>6}{'  DEGRADED' if data['degraded'] else ''}"
            )
    finally:
        es.search = original  # type: ignore[method-assign]


def bench_database_search(requests: int) -> None:
    """The search's database fallback (engine down or not configured)."""
    from search.queries import SearchRequest, database_search

    print(
        f"\n{'database search (no engine)':44} {'p50 ms':>8} {'app cpu':>8} {'hits':>6}"
    )
    forms: list[tuple[str, dict]] = [
        ("one word", {"q": "Deutschkurs"}),
        ("one word, Arabic reader", {"q": "Deutschkurs", "lang": "ar"}),
        ("two words", {"q": "Beratung Familie"}),
        ("word + topic", {"q": "Beratung", "topic": ["sprache"]}),
        ("no match", {"q": "Xylophonwerkstatt"}),
        ("page 3", {"q": "Beratung", "page": 3}),
    ]
    for label, form in forms:
        timings, cpu_started = [], time.process_time()
        for _ in range(requests):
            started = time.perf_counter()
            response = database_search(SearchRequest.from_form(form, language="de"))
            timings.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) / requests * 1000
        print(
            f"{label:44} {statistics.median(timings):>8.1f} {cpu:>8.1f} "
            f"{response.count:>6}"
        )


def bench_relevance() -> None:
    from tests.search import relevance

    pages, questions = relevance.load()
    relevance.build_index(pages)
    started = time.perf_counter()
    figures = relevance.evaluate(questions)
    print(f"\nrelevance (integreat-qa dev questions with answers, {len(pages)} pages):")
    for language, figure in figures.items():
        print(
            f"  {language}: Recall@5 {figure['recall_at_5']:.2f}  "
            f"MRR {figure['mrr']:.2f}  "
            f"({figure['questions']} questions)"
        )
    print(f"  ({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
