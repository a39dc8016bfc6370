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
    parser.add_argument(
        "--relevance-only",
        action="store_true",
        help="only the search quality figures (integreat-qa, ~20 min on 2 cores)",
    )
    parser.add_argument(
        "--relevance-runs",
        default="words,rrf,linear",
        help="which rankings the quality tables compare (comma-separated)",
    )
    parser.add_argument(
        "--relevance-questions",
        type=int,
        default=None,
        metavar="N",
        help="ask only the first N dev questions per language (all if not given)",
    )
    parser.add_argument(
        "--relevance-split",
        choices=("dev", "train"),
        default="dev",
        help="whose questions are asked: dev measures, train is for tuning",
    )
    parser.add_argument(
        "--relevance-tables",
        default="same,cross",
        help="same language, question language → German pages, or both",
    )
    parser.add_argument(
        "--relevance-languages",
        default="de,en,ar,uk,fr",
        help="question languages asked (comma-separated; to split a run in two)",
    )
    parser.add_argument(
        "--skip-embedding",
        action="store_true",
        help="no passage vectors: the index and search as with the model off",
    )

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
    if args.skip_embedding:
        os.environ["SEARCH_EMBEDDER"] = ""
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
    if args.relevance_only:
        from django.test.utils import override_settings

        with override_settings(SEARCH_INDEX_PREFIX="bench-relevance"):
            bench_relevance(args)
        return
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

        bench_embedding()
        result = rebuild()
        print(
            f"search_rebuild: {result['documents']} offers "
            f"in {result['seconds']:.1f} s "
            f"({result['documents'] / result['seconds']:.0f} offers/s), "
            f"{result['without_vectors']} without vectors"
        )
        bench_index_size("with passage vectors")
        from django.test.utils import override_settings

        from search.embedding import embedder_forget

        with override_settings(SEARCH_EMBEDDER=""):
            embedder_forget()
            rebuild()
            bench_index_size("without vectors (model off)")
        embedder_forget()
        rebuild()

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
    bench_reports()
    if settings.SEARCH_URL:
        bench_search(client, args.search_requests)
        if not args.skip_relevance:
            from django.test.utils import override_settings

            with override_settings(SEARCH_INDEX_PREFIX="bench-relevance"):
                bench_relevance(args)


def bench_reports(rounds: int = 5) -> None:
    """The coordinators' reports and dashboard at the seeded size (goal: coverage
    and stale report under 1 s): the selectors, then the admin pages as the demo's
    coordinator gets them (best / median of ``rounds``, queries of the last)."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    from directory import reports
    from directory.models import Language
    from directory.services import COORDINATORS_GROUP

    if connection.vendor == "postgresql":
        # What autovacuum does within a minute of a bulk load: without statistics
        # the planner nests loops over the freshly seeded tables (3x slower here).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    arabic = Language.objects.filter(code="ar").values_list("pk", flat=True).first()
    coordinator = (
        get_user_model().objects.filter(groups__name=COORDINATORS_GROUP).first()
    )
    assert coordinator is not None, "seed_demo makes a coordinator"
    client = Client()
    client.force_login(coordinator)

    def page(url: str):
        def get():
            response = client.get(url)
            body = (
                b"".join(response.streaming_content)
                if response.streaming
                else response.content
            )
            assert response.status_code == 200, (url, response.status_code)
            return body

        return get

    work = {
        "coverage_table()": reports.coverage_table,
        "backlog_by_agency()": reports.backlog_by_agency,
        "region_totals()": reports.region_totals,
        "approval_queue()": reports.approval_queue,
        "activity_by_agency(period=month)": lambda: reports.activity_by_agency(
            period="month"
        ),
        "coverage page": page("/admin/reports/coverage/"),
        "coverage page, Arabic": page(f"/admin/reports/coverage/?language={arabic}"),
        "coverage XLSX": page("/admin/reports/coverage/?export=xlsx"),
        "stale report page": page("/admin/reports/stale-content/"),
        "stale report CSV": page("/admin/reports/stale-content/?export=csv"),
        "activity page": page("/admin/reports/activity/"),
        "dashboard (coordinator)": page("/admin/"),
    }
    print(
        f"\n{'reports (' + str(rounds) + ' rounds)':40} {'best ms':>8} "
        f"{'p50 ms':>8} {'queries':>8}"
    )
    with override_settings(ACCOUNTS_2FA_REQUIRED=False):
        for name, run_once in work.items():
            timings = []
            for _ in range(rounds):
                started = time.perf_counter()
                run_once()
                timings.append((time.perf_counter() - started) * 1000)
            with CaptureQueriesContext(connection) as queries:
                run_once()
            print(
                f"{name:40} {min(timings):>8.1f} {statistics.median(timings):>8.1f} "
                f"{len(queries):>8}"
            )


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
    ("fa", "کلاس زبان آلمانی"),
    ("tr", "Almanca kursu"),
    ("ru", "курсы немецкого языка"),
    ("de", ""),  # facets only
]


def bench_embedding() -> None:
    """Embedding throughput on the demo's distinct texts, extrapolated to 10,000
    offers; then the numbered copies get their original's vectors (same text but the
    number), so the index and its searches have the size of a real 10,000."""
    import numpy as np
    from django.conf import settings

    from demo.offers import OFFERS
    from directory.models import OfferPage
    from search.documents import offer_passages
    from search.embedding import embedder
    from search.models import PassageVector
    from search.vectors import digest, vectors_for

    model = embedder()
    if model is None:
        print("embedding: no model configured (SEARCH_EMBEDDER)")
        return
    offers = list(OfferPage.objects.order_by("pk"))
    sample = len(OFFERS)  # seed_demo numbers copies of these in this order
    originals = offers[:sample]
    passages = [offer_passages(offer) for offer in originals]
    texts = [p.text for found in passages for p in found]
    languages = sum(len({p.language for p in found}) for found in passages)
    words = sum(len(text.split()) for text in texts)
    started = time.perf_counter()
    vectors = vectors_for(texts)
    seconds = time.perf_counter() - started
    per_offer_language = seconds / languages
    print(
        f"embedding ({model.model}, {settings.SEARCH_EMBEDDER_THREADS} thread(s)): "
        f"{len(texts)} passages ({words / len(texts):.0f} words each) of "
        f"{len(originals)} offers × {languages / len(originals):.1f} languages "
        f"in {seconds:.1f} s = {len(texts) / seconds:.1f} passages/s; "
        f"10,000 offers × 4 languages ≈ {per_offer_language * 40_000 / 60:.0f} min"
    )
    query_times = []
    for question in [q for _lang, q in SEARCH_QUERIES if q] * 3:
        started = time.perf_counter()
        model.queries([question])
        query_times.append((time.perf_counter() - started) * 1000)
    query_times.sort()
    print(
        f"embedding a query: p50 {statistics.median(query_times):.1f} ms, "
        f"p95 {query_times[int(len(query_times) * 0.95)]:.1f} ms"
    )
    by_digest = {
        digest(text): np.asarray(v, dtype="<f4").tobytes()
        for text, v in zip(texts, vectors, strict=True)
    }
    originals_passages = [[digest(p.text) for p in found] for found in passages]
    rows: list[PassageVector] = []
    for number, offer in enumerate(offers[sample:], start=sample):
        source = originals_passages[number % len(originals)]
        copies = [digest(p.text) for p in offer_passages(offer)]
        rows.extend(
            PassageVector(model=model.model, digest=key, vector=by_digest[original])
            for key, original in zip(copies, source, strict=False)
        )
    PassageVector.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


def bench_index_size(label: str) -> None:
    from search import engine

    # The local engine answers one request at a time: wait for it.
    client = engine.client().options(request_timeout=300)
    stats = client.indices.stats(index=engine.alias_name())
    size = stats["_all"]["primaries"].get("store", {}).get("size_in_bytes")
    count = stats["_all"]["primaries"].get("docs", {}).get("count")
    print(
        f"index {label}: {count} documents (Elasticsearch also counts nested ones), "
        f"{(size or 0) / 1e6:.1f} MB on disk"
    )


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
    from search import embedding

    embed_time = []
    original_embed = embedding._query_vector

    def timed_embed(*a, **kw):
        started = time.perf_counter()
        try:
            return original_embed.__wrapped__(*a, **kw)  # uncached: every request
        finally:
            embed_time.append((time.perf_counter() - started) * 1000)

    embedding._query_vector = timed_embed  # type: ignore[assignment]
    print(
        f"\n{'search API':46} {'p50 ms':>8} {'p95 ms':>8} {'embed':>6} {'engine':>8} "
        f"{'ours':>6} {'queries':>7} {'hits':>6}"
    )
    try:
        for language, query in SEARCH_QUERIES:
            params = {"q": query, "lang": language}
            if not query:
                params.update({"topic": "sprache", "free": "true"})
            client.get("/api/search/", params)  # warm up
            totals, engines, embeds = [], [], []
            for _ in range(requests):
                engine_time.clear()
                embed_time.clear()
                started = time.perf_counter()
                response = client.get("/api/search/", params)
                totals.append((time.perf_counter() - started) * 1000)
                engines.append(sum(engine_time))
                embeds.append(sum(embed_time))
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/api/search/", params)
            data = response.json()
            totals.sort()
            own = statistics.median(
                t - e - m for t, e, m in zip(totals, engines, embeds, strict=True)
            )
            label = f"{language}: {query or 'topic=sprache&free=true'}"[:46]
            p95 = totals[min(len(totals) - 1, int(len(totals) * 0.95))]
            print(
                f"{label:46} {statistics.median(totals):>8.0f} {p95:>8.0f} "
                f"{statistics.median(embeds):>6.0f} "
                f"{statistics.median(engines):>8.0f} {own:>6.1f} {len(queries):>7} "
                f"{data['count']:>6}{'  DEGRADED' if data['degraded'] else ''}"
            )
    finally:
        es.search = original  # type: ignore[method-assign]
        embedding._query_vector = original_embed  # type: ignore[assignment]


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


def bench_relevance(args: argparse.Namespace) -> None:
    """Recall@5 and MRR@10 on integreat-qa's dev (or train) questions, train + dev
    pages: same language and question language → German pages; words alone, words
    with meaning fused by RRF and by a linear blend."""
    from django.test.utils import override_settings

    from search import queries
    from search.embedding import embedder_forget
    from tests.search import relevance

    wanted = args.relevance_runs.split(",")
    tables = args.relevance_tables.split(",")
    per_language = args.relevance_questions
    asking = args.relevance_languages.split(",")
    pages, questions = relevance.load(asked=args.relevance_split)

    def table(title: str, languages: tuple[str, ...]) -> None:
        runs = {}
        started = time.perf_counter()
        for name, model, fusion in (
            ("words", "", "rrf"),
            ("+meaning rrf", None, "rrf"),
            ("+meaning linear", None, "linear"),
        ):
            if name.rsplit(" ", 1)[-1].lstrip("+") not in wanted:
                continue
            queries.FUSION = fusion
            with override_settings(
                **({"SEARCH_EMBEDDER": model} if model is not None else {})
            ):
                embedder_forget()
                runs[name] = relevance.evaluate(
                    questions, languages=languages, per_language=per_language
                )
            embedder_forget()
        queries.FUSION = "rrf"
        print(
            f"\n{title} ({len(pages)} pages, {args.relevance_split} questions; "
            "Recall@5 / MRR@10)"
        )
        print(f"  {'':4}" + "".join(f"{name:>18}" for name in runs))
        for language in languages:
            cells = "".join(
                f"{run[language]['recall_at_5']:>11.2f} / {run[language]['mrr']:.2f}"
                for run in runs.values()
            )
            count = next(iter(runs.values()))[language]["questions"]
            print(f"  {language:4}{cells}   ({count} questions)")
        print(f"  ({time.perf_counter() - started:.0f} s for the questions)")

    same = tuple(code for code in relevance.LANGUAGES if code in asking)
    if "same" in tables and same:
        built = relevance.build_index(pages)
        print(
            f"\nrelevance corpus: {built['passages']} passages embedded or reused in "
            f"{built['embedding_seconds']:.0f} s"
        )
        table("relevance, same language", same)
    crossing = tuple(code for code in ("en", "ar", "uk", "fr") if code in asking)
    if "cross" in tables and crossing:
        relevance.build_index(pages, languages=("de",))
        table("relevance, question language → German pages", crossing)


if __name__ == "__main__":
    main()
