"""Load benchmark (issue 14): wrk against `make serve` on 127.0.0.1, page by page.

Usage: .venv/bin/python scripts/bench_load.py [--offers 10000] [--seconds 30]
       [--connections 20] [--workers N] [--threads N] [--only home,offer,…] [--quick]

Starts scripts/serve (gunicorn, DEBUG off, PostgreSQL, the local search engine) in its
own process group on free ports, with its state in var/bench-load-<offers>/. That
folder is kept between runs, so the demo region (10,000 offers take minutes to seed
and index) is built once; `rm -rf var/bench-load-<offers>` forces a fresh seed.
WEB_WORKERS, WEB_THREADS, WEB_MAX_REQUESTS… from the environment reach gunicorn.

Then `wrk` (installed from Debian if missing) loads one URL at a time for --seconds
with --connections: a static file from the same server, home, topic listing, offer
page, finder answer, HSDS services page, and search; with the page cache on (make
serve's default), those single URLs are served from it after the first request, so
offer pages, topic listing pages and HSDS pages are loaded once more with every
request another URL ("uncached": all offers, every topic page in every language).
It prints requests per second,
p50/p95/p99, errors, the server's CPU per request (gunicorn and PostgreSQL, which the
load of other programs on the machine does not change) and the 1-minute load
average. Search through the local engine is reported apart (its latency is the
engine's): once with one connection, then with --connections, counting the answers
that came from the database fallback. Degraded search (engine down) is measured on a
second gunicorn with the same settings whose SEARCH_URL points at a closed port.

Everything started is stopped at the end, also on Ctrl-C. --quick: 300 offers, 3 s a
URL, to check that the script works. Prints figures; misses of the goal (p95 < 300
ms, 0 errors, for pages) are printed as "GOAL MISSED", the exit status stays 0.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
GOAL_P95_MS = 300.0
# A first seed of 10,000 offers plus indexing: ~8 min on a quiet machine, over 20
# while other work runs.
READY_TIMEOUT = 60 * 60
STOP_TIMEOUT = 90

# wrk's --latency prints 50/75/90/99 only: this script reports p95 too, the errors by
# kind and (for search) how many answers carried a marker such as "degraded": true.
WRK_SCRIPT = r"""
local threads = {}
local marker = os.getenv("BENCH_MARKER")
-- BENCH_PATHS: a file of paths, requested in turn (each thread from its own place,
-- moved by BENCH_START), so that no answer is served twice from the page cache.
local path_file = os.getenv("BENCH_PATHS")
local paths = nil
if path_file and path_file ~= "" then
  paths = {}
  for line in io.lines(path_file) do table.insert(paths, line) end
  counter = tonumber(os.getenv("BENCH_START") or "0")
  request = function()
    counter = counter + 1
    return wrk.format(nil, paths[(counter % #paths) + 1])
  end
end
function setup(thread)
  table.insert(threads, thread)
  if paths then
    thread:set("counter", tonumber(os.getenv("BENCH_START") or "0")
      + (#threads - 1) * math.floor(#paths / 8))
  end
end
if marker and marker ~= "" then
  marked = 0
  function response(status, headers, body)
    if body and string.find(body, marker, 1, true) then
      marked = marked + 1
    end
  end
end
function done(summary, latency, requests)
  local count = 0
  for _, thread in ipairs(threads) do
    count = count + (thread:get("marked") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50": %d, "p95": %d, "p99": %d, "max": %d, "marked": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, count))
end
"""

# Printed by `manage.py shell -c` against the served database: the URLs to load.
URLS_SCRIPT = r"""
import json
from django.db.models import Count, Q
from django.utils import translation
from directory.models import District, OfferPage, ResidenceStatus, Topic
from django.conf import settings
LANGUAGES = [code for code, _name in settings.LANGUAGES]
with translation.override("de"):
    offers = OfferPage.objects.live()
    offer = offers.order_by("-pk").first()
    topic = (
        Topic.objects.annotate(n=Count("offers", filter=Q(offers__live=True)))
        .order_by("-n").first()
    )
    district = District.objects.exclude(postcodes="").order_by("pk").first()
    print("BENCH-URLS " + json.dumps({
        "offers": offers.count(),
        "offer": offer.url,
        "topic": topic.slug,
        "topic_offers": topic.n,
        "topics": list(Topic.objects.values_list("slug", flat=True)),
        "statuses": list(ResidenceStatus.objects.values_list("slug", flat=True)),
        "district": district.slug if district else None,
        "offer_paths": [o.url for o in offers.order_by("pk")],
        "topic_paths": [
            f"/{language}/topics/{slug}/?page={number}"
            for slug, count in Topic.objects.annotate(
                n=Count("offers", filter=Q(offers__live=True))
            ).values_list("slug", "n")
            for number in range(1, count // 20 + 2)
            for language in LANGUAGES
        ],
        "hsds_paths": [
            f"/api/hsds/services?page={number}&lang={language}"
            for number in range(1, offers.count() // 50 + 2)
            for language in LANGUAGES
        ],
    }))
"""


@dataclass
class Target:
    key: str  # for --only
    kind: str
    url: str
    page: bool = True  # counts for the goal; static and engine search do not
    marker: str = ""  # counted in answers (degraded search)
    connections: int = 0  # 0: --connections
    engine: bool = False  # goes through the search engine
    paths: list[str] | None = None  # requested in turn instead of url (uncached)


@dataclass
class Result:
    target: Target
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    max: float
    errors: dict
    marked: int
    restarts: int  # gunicorn processes replaced (max_requests) during the run
    load: float  # the machine's 1-minute load average at the end of the run
    cpu: float  # seconds of CPU the server's processes (and PostgreSQL's) used

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what the load of other programs does not change."""
        return self.cpu * 1000 / self.requests if self.requests else 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def fetch(url: str, timeout: float = 30) -> tuple[int, str]:
    """Status and body of a GET, without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")


def ready(base: str) -> dict | None:
    try:
        status, body = fetch(f"{base}/readyz", timeout=5)
    except OSError:
        return None
    if status != 200:
        return None
    return json.loads(body)


class Group:
    """A command in its own process group, stopped with the whole group."""

    def __init__(self, name: str, command: list[str], env: dict, log: Path):
        self.name = name
        self.log = log
        self._log_file = open(log, "w")  # closed in stop()
        self.process = subprocess.Popen(  # noqa: S603 - our own scripts, fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                print(f"{self.name} did not stop in {STOP_TIMEOUT} s: SIGKILL")
        # Stragglers of the group (workers, engine) must not outlive the benchmark.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()
        self._log_file.close()


def read_env_file(path: Path) -> dict:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            values[name.strip()] = value.strip()
    return values


def log_lines_new(log: Path, offset: int) -> tuple[list[str], int]:
    try:
        with open(log, encoding="utf-8", errors="replace") as handle:
            handle.seek(offset)
            text = handle.read()
    except FileNotFoundError:
        return [], offset
    complete = text.rfind("\n") + 1
    return text[:complete].splitlines(), offset + complete


def serve_wait(server: Group, base: str, started: float) -> dict:
    """Wait for /readyz, echoing serve's log lines with the seconds since start."""
    offset = 0
    last_note = time.monotonic()
    while True:
        lines, offset = log_lines_new(server.log, offset)
        for line in lines:
            print(f"  [{time.monotonic() - started:6.0f} s] {line}", flush=True)
        status = ready(base)
        if status is not None:
            return status
        if not server.alive():
            lines, offset = log_lines_new(server.log, offset)
            for line in lines:
                print(f"  [{time.monotonic() - started:6.0f} s] {line}")
            sys.exit(f"scripts/serve stopped (exit {server.process.returncode})")
        elapsed = time.monotonic() - started
        if elapsed > READY_TIMEOUT:
            sys.exit(
                f"not ready after {READY_TIMEOUT} s, see {server.log} (a seed cut "
                f"short leaves a partial region: rm -rf {server.log.parent})"
            )
        if time.monotonic() - last_note > 60:
            print(f"  [{elapsed:6.0f} s] still starting (seeding/indexing?)")
            last_note = time.monotonic()
        time.sleep(2)


def urls_find(env: dict, base: str) -> tuple[dict, dict[str, str]]:
    """Facts about the region and the URLs to load, checked to answer 200."""
    done = subprocess.run(  # noqa: S603 - our interpreter and manage.py
        [PY, "manage.py", "shell", "-c", URLS_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    line = next(
        line for line in done.stdout.splitlines() if line.startswith("BENCH-URLS ")
    )
    facts = json.loads(line.removeprefix("BENCH-URLS "))
    status, home = fetch(f"{base}/de/")
    if status != 200:
        sys.exit(f"/de/ answered {status}")
    css = re.search(r'href="(/static/[^"]+\.css)"', home)
    if not css:
        sys.exit("no stylesheet link on /de/")
    finder = "/de/who-is-responsible/?" + (
        "topic=arbeit&status=duldung&postcode=86733"
        if "arbeit" in facts["topics"] and "duldung" in facts["statuses"]
        else f"topic={facts['topics'][0]}&status={facts['statuses'][0]}"
        f"&district={facts['district']}"
    )
    urls = {
        "static": css.group(1),
        "home": "/de/",
        "topic": f"/de/topics/{facts['topic']}/",
        "offer": facts["offer"],
        "finder": finder,
        "hsds": "/api/hsds/services?page=2",
        "search": "/de/search/?q=deutschkurs",
        "search-api": "/api/search/?q=deutschkurs&lang=de",
    }
    for kind, path in urls.items():
        status, body = fetch(base + path, timeout=60)
        if status != 200:
            sys.exit(f"{kind} {path} answered {status}")
        if kind == "finder" and "finder-summary" not in body:
            sys.exit(f"{path} is not the finder's answer page")
    return facts, urls


def cpu_seconds(groups: list[int]) -> float:
    """CPU time of the processes in these process groups and of their direct
    children (PostgreSQL's backends each start a group of their own), including
    children that ended (a replaced gunicorn worker, a closed connection).
    """
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # ended meanwhile
        if int(fields[2]) in groups or int(fields[1]) in groups:
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def wrk(
    target: Target, base: str, args, lua: Path, log: Path, groups: list[int]
) -> Result:
    connections = target.connections or args.connections
    command = [
        args.wrk,
        f"-t{min(args.wrk_threads, connections)}",
        f"-c{connections}",
        f"-d{args.seconds}s",
        "--timeout",
        "30s",  # longer than SEARCH_TIMEOUT: slow answers count as slow, not lost
        "-s",
        str(lua),
        base + target.url,
    ]
    env = {**os.environ, "BENCH_MARKER": target.marker}
    if target.paths:
        paths = lua.with_suffix(".paths")
        paths.write_text("\n".join(target.paths) + "\n", encoding="utf-8")
        env["BENCH_PATHS"] = str(paths)
    if target.engine:
        # The engine answers one search at a time: a warm-up with several
        # connections would leave a queue there. One search, answered, instead.
        fetch(base + target.url, timeout=60)
    elif args.warmup:
        # Every gunicorn process serves the URL once or more before the measured run,
        # with few connections so that little is still queued when it starts.
        subprocess.run(  # noqa: S603 - wrk with fixed arguments on 127.0.0.1
            [args.wrk, "-t1", f"-c{args.workers}", f"-d{args.warmup}s", *command[4:]],
            # Warm the code, not the page cache: other paths than the measured run's.
            env={**env, "BENCH_START": str(len(target.paths or ()) // 2 + 1)},
            capture_output=True,
            check=True,
            timeout=args.warmup + 60,
        )
        time.sleep(1)
    log_start = log.stat().st_size
    cpu_start = cpu_seconds(groups)
    done = subprocess.run(  # noqa: S603 - wrk with fixed arguments on 127.0.0.1
        command,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=args.seconds + 60,
    )
    line = next(
        line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")
    )
    data = json.loads(line.removeprefix("BENCH-RESULT "))
    cpu = cpu_seconds(groups) - cpu_start
    with open(log, "rb") as handle:
        handle.seek(log_start)
        restarts = handle.read().count(b"Autorestarting worker")
    return Result(
        target=target,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        max=data["max"] / 1000,
        errors={
            name: data[name]
            for name in ("connect", "read", "write", "timeout", "status")
            if data[name]
        },
        marked=data["marked"],
        restarts=restarts,
        load=os.getloadavg()[0],
        cpu=cpu,
    )


def row(result: Result) -> str:
    target = result.target
    errors = ", ".join(f"{n} {k}" for k, n in result.errors.items()) or "0"
    if result.restarts:
        errors += f" ({result.restarts} worker restarts)"
    flag = ""
    if target.page and (result.p95 >= GOAL_P95_MS or result.error_count):
        flag = "  <- over goal"
    if not result.requests:
        return (
            f"{target.kind:24} {'no answer in the run':>44} {'':7} "
            f"{result.load:5.1f}  {errors}{flag}"
        )
    return (
        f"{target.kind:24} {result.rate:8.1f} {result.p50:8.1f} {result.p95:8.1f} "
        f"{result.p99:8.1f} {result.requests:8d} {result.cpu_ms:7.1f} "
        f"{result.load:5.1f}  {errors}{flag}"
    )


def table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    print(
        f"{'kind':24} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'requests':>8} {'CPU ms':>7} {'load':>5}  errors"
    )
    for result in results:
        print(row(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offers", type=int)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, help="seconds of load before each URL")
    parser.add_argument("--workers", type=int, help="WEB_WORKERS (gunicorn processes)")
    parser.add_argument("--threads", type=int, help="WEB_THREADS per process")
    parser.add_argument(
        "--only",
        help="comma-separated kinds: static,home,topic,offer,finder,hsds,"
        "offer-uncached,topic-uncached,hsds-uncached,search,search-api,degraded,"
        "degraded-api",
    )
    parser.add_argument("--quick", action="store_true", help="300 offers, 3 s a URL")
    args = parser.parse_args()
    args.offers = args.offers or (300 if args.quick else 10_000)
    args.seconds = args.seconds or (3 if args.quick else 30)
    if args.warmup is None:
        args.warmup = 1 if args.quick else 3
    only = set(args.only.split(",")) if args.only else None

    if not shutil.which("wrk"):
        subprocess.run([str(ROOT / "scripts/apt-install"), "wrk"], check=True)  # noqa: S603
    args.wrk = shutil.which("wrk") or "/usr/bin/wrk"
    # A SIGTERM to this script stops the servers too, like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))

    var_dir = ROOT / "var" / f"bench-load-{args.offers}"
    var_dir.mkdir(parents=True, exist_ok=True)
    port, pg_port, search_port, mail_port, degraded_port, closed_port = free_ports(6)
    # config/gunicorn.py's defaults, named here so that they can be printed.
    workers = args.workers = args.workers or int(
        os.environ.get("WEB_WORKERS") or (os.cpu_count() or 1) * 2 + 1
    )
    threads = args.threads = args.threads or int(os.environ.get("WEB_THREADS") or 4)
    # Variables of the caller (Makefile's DJANGO_DEBUG, a .env) must not change
    # what is measured: serve and the second gunicorn get these.
    base_env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"DATABASE_URL", "SEARCH_URL", "EMAIL_URL", "EMAIL_HOST", "SITE_URL"}
    }
    # wrk asks from one address (127.0.0.1): no per-client limit on the APIs.
    base_env["API_THROTTLE_RATE"] = ""
    serve_env = {
        **base_env,
        "WEGWEISER_VAR_DIR": str(var_dir),
        "PORT": str(port),
        "PG_PORT": str(pg_port),
        "SEARCH_PORT": str(search_port),
        "MAIL_PORT": str(mail_port),
        "DEMO_OFFERS": str(args.offers),
        "WEGWEISER_DEMO": "1",
        "LOG_REQUESTS_LEVEL": "WARNING",
        "WEB_WORKERS": str(workers),
        "WEB_THREADS": str(threads),
    }
    base = f"http://127.0.0.1:{port}"
    degraded_base = f"http://127.0.0.1:{degraded_port}"
    lua = Path(tempfile.mkstemp(prefix="bench-load-", suffix=".lua")[1])
    lua.write_text(WRK_SCRIPT, encoding="utf-8")
    print(
        f"machine: {os.cpu_count()} cores, load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())} (before start)"
    )
    print(f"state: {var_dir.relative_to(ROOT)} (rm -rf it to seed afresh)")
    print(f"scripts/serve on {base}, log {var_dir.relative_to(ROOT)}/serve.log")
    started = time.monotonic()
    server = Group("scripts/serve", ["scripts/serve"], serve_env, var_dir / "serve.log")
    degraded = None
    try:
        status = serve_wait(server, base, started)
        checks = ", ".join(
            f"{name} {check['status']}" for name, check in status["checks"].items()
        )
        print(f"ready after {time.monotonic() - started:.0f} s: {checks}")
        run_env = {
            **base_env,
            **read_env_file(var_dir / "run.env"),
            "WEGWEISER_VAR_DIR": str(var_dir),
            "LOG_REQUESTS_LEVEL": "WARNING",
            "WEB_WORKERS": str(workers),
            "WEB_THREADS": str(threads),
        }
        facts, urls = urls_find(run_env, base)
        degraded_marker = '"degraded": true'
        targets = [
            Target("static", "static file", urls["static"], page=False),
            Target("home", "home", urls["home"]),
            Target("topic", "topic listing", urls["topic"]),
            Target("offer", "offer page", urls["offer"]),
            Target("finder", "finder answer", urls["finder"]),
            Target("hsds", "HSDS services p.2", urls["hsds"]),
            # Every request another URL: what the page cache cannot save.
            Target(
                "offer-uncached",
                "offer pages, uncached",
                facts["offer_paths"][0],
                paths=facts["offer_paths"],
            ),
            Target(
                "topic-uncached",
                "topic listings, uncached",
                facts["topic_paths"][0],
                paths=facts["topic_paths"],
            ),
            Target(
                "hsds-uncached",
                "HSDS pages, uncached",
                facts["hsds_paths"][0],
                paths=facts["hsds_paths"],
            ),
        ]
        # One connection first: the engine's own latency, before 20 connections
        # leave it a queue of searches whose callers gave up.
        engine_targets = [
            Target(
                "search-api",
                "search API, 1 conn.",
                urls["search-api"],
                page=False,
                marker=degraded_marker,
                connections=1,
                engine=True,
            ),
            Target(
                "search",
                "search page",
                urls["search"],
                page=False,
                marker='notice-warn" role="status"',
                engine=True,
            ),
            Target(
                "search-api",
                "search API",
                urls["search-api"],
                page=False,
                marker=degraded_marker,
                engine=True,
            ),
        ]
        degraded_targets = [
            Target("degraded", "search page degraded", urls["search"]),
            Target(
                "degraded-api",
                "search API degraded",
                urls["search-api"],
                marker=degraded_marker,
            ),
        ]
        if only:
            targets, engine_targets, degraded_targets = (
                [t for t in group if t.key in only]
                for group in (targets, engine_targets, degraded_targets)
            )
        print(
            f"region: {facts['offers']} live offers; topic listing "
            f"'{facts['topic']}' has {facts['topic_offers']} offers"
        )
        print(
            f"gunicorn: {workers} workers × {threads} threads (gthread), "
            f"max_requests {os.environ.get('WEB_MAX_REQUESTS') or 20000}; wrk: "
            f"{args.wrk_threads} threads, {args.connections} connections, "
            f"{args.seconds} s per URL after {args.warmup} s warm-up"
        )
        for target in (*targets, *engine_targets, *degraded_targets):
            more = f" … ({len(target.paths)} URLs in turn)" if target.paths else ""
            print(f"  {target.kind:22} {target.url}{more}")

        postgres_pid = var_dir / "postgres" / "data" / "postmaster.pid"
        postgres = (
            [int(postgres_pid.read_text().split()[0])] if postgres_pid.exists() else []
        )
        groups = [server.process.pid, *postgres]
        results = []
        for target in targets:
            print(f"loading {target.kind} …", flush=True)
            results.append(wrk(target, base, args, lua, server.log, groups))
        engine_results = []
        for target in engine_targets:
            print(f"loading {target.kind} (engine) …", flush=True)
            engine_results.append(wrk(target, base, args, lua, server.log, groups))
        degraded_results = []
        if degraded_targets:
            # The same settings as serve's gunicorn, but a search engine that is down.
            degraded_env = {
                **run_env,
                "PORT": str(degraded_port),
                "SEARCH_URL": f"http://127.0.0.1:{closed_port}",
            }
            degraded = Group(
                "degraded gunicorn",
                [PY, "-m", "gunicorn", "-c", "config/gunicorn.py", "config.wsgi"],
                degraded_env,
                var_dir / "degraded.log",
            )
            deadline = time.monotonic() + 120
            while ready(degraded_base) is None:
                if not degraded.alive() or time.monotonic() > deadline:
                    sys.exit(f"degraded gunicorn did not start, see {degraded.log}")
                time.sleep(0.5)
            for target in degraded_targets:
                print(f"loading {target.kind} …", flush=True)
                degraded_results.append(
                    wrk(
                        target,
                        degraded_base,
                        args,
                        lua,
                        degraded.log,
                        [degraded.process.pid, *postgres],
                    )
                )
            degraded.stop()
            degraded = None
        load_after = os.getloadavg()

        print(
            f"\n== Load run: {facts['offers']} offers, PostgreSQL, DEBUG off, "
            f"gunicorn {workers}×{threads} gthread, {os.cpu_count()} cores, "
            f"wrk -t{args.wrk_threads} -c{args.connections} -d{args.seconds}s"
        )
        page_results = results + degraded_results
        table("Pages (goal: p95 < 300 ms, 0 errors)", page_results)
        # A closed loop: each connection sends its next request when the last one
        # is answered, so the mean latency is connections / throughput.
        print(
            f"  ({args.connections} connections: a mean under 300 ms needs "
            f"{args.connections / (GOAL_P95_MS / 1000):.0f} req/s or more; "
            "load = the machine's 1-minute load average after the URL's run)"
        )
        for result in degraded_results:
            if result.target.marker:
                print(
                    f"  {result.target.kind}: {result.marked} of "
                    f"{result.requests} answers say degraded"
                )
        cores = os.cpu_count() or 1
        print(
            f"\nServer CPU per request (gunicorn, PostgreSQL; not wrk), and what "
            f"{cores} otherwise idle cores could do with it:"
        )
        for result in page_results:
            if result.cpu_ms:
                capacity = cores * 1000 / result.cpu_ms
                print(
                    f"  {result.target.kind:24} {result.cpu_ms:6.1f} ms → at most "
                    f"{capacity:6.0f} req/s, mean latency at {args.connections} "
                    f"connections ≥ {args.connections / capacity * 1000:5.0f} ms"
                )
        static = next((r for r in results if r.target.key == "static"), None)
        if static and static.rate:
            print(f"\nPages against the static file ({static.rate:.0f} req/s):")
            for result in page_results:
                if result.target.page and result.rate:
                    print(
                        f"  {result.target.kind:24} {result.rate / static.rate:6.1%}"
                        f" of static req/s ({static.rate / result.rate:.1f}× slower)"
                    )
        if engine_results:
            table(
                "Search through the local engine (the engine's latency, not ours)",
                engine_results,
            )
            print("  (CPU ms includes the search engine's own process)")
            for result in engine_results:
                print(
                    f"  {result.target.kind}: {result.marked} of {result.requests} "
                    "answers came from the database fallback (engine timeout or "
                    "breaker open)"
                )
        if any(r.restarts for r in (*page_results, *engine_results)):
            print(
                "\nworker restarts: gunicorn replaced processes after "
                "WEB_MAX_REQUESTS (config/gunicorn.py) requests; the keep-alive "
                "connections a replaced process held are closed, which wrk counts "
                "as read errors."
            )
        print()
        missed = False
        for result in page_results:
            target = result.target
            if not target.page:
                continue
            if not result.requests:
                missed = True
                print(f"GOAL MISSED: {target.kind} answered nothing in the run")
            elif result.p95 >= GOAL_P95_MS:
                missed = True
                print(
                    f"GOAL MISSED: {target.kind} p95 {result.p95:.0f} ms "
                    f"(goal < {GOAL_P95_MS:.0f} ms)"
                )
            if result.error_count:
                missed = True
                print(f"GOAL MISSED: {target.kind} {result.error_count} errors")
        if not missed:
            print("Goal met: every page p95 < 300 ms with 0 errors.")
        print(
            "load average during the run: "
            f"{' '.join(f'{x:.2f}' for x in load_after)} (1, 5, 15 min, at the end)"
        )
    finally:
        if degraded is not None:
            degraded.stop()
        print("stopping scripts/serve …", flush=True)
        server.stop()
        lua.unlink(missing_ok=True)
        lua.with_suffix(".paths").unlink(missing_ok=True)
        # A cluster left running by a hard stop would keep the port and the folder.
        if (var_dir / "postgres" / "data" / "postmaster.pid").exists():
            subprocess.run(  # noqa: S603 - our own script, fixed arguments
                [str(ROOT / "scripts/local-postgres"), "stop"]
                + [str(var_dir / "postgres"), str(pg_port)],
                check=False,
            )


if __name__ == "__main__":
    main()
