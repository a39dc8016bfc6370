"""Newsletter sending benchmark (called by scripts/bench.py inside its database):
N deliveries through the real pipeline (ledger, worker loop, SMTP) against plain
smtplib sending the same prepared bytes over one connection, both to a counting
SMTP server in its own process on 127.0.0.1.
"""

import os
import smtplib
import subprocess
import sys
import time

SINK = r"""
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += 1
        return "250 OK"
c = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]),
               data_size_limit=10_000_000)
c.start()
print("ready", flush=True)
sys.stdin.read()
c.stop()
"""


def _sink(port: int) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout and process.stdout.readline().strip() == "ready"
    return process


def bench_newsletter_send(deliveries: int = 10_000, items: int = 30) -> None:
    from django.conf import settings
    from django.test.utils import override_settings

    from directory.selectors import visible_offers
    from newsletter import sending
    from newsletter.demo import subscribers_seed
    from newsletter.models import Delivery, Issue, IssueItem, Subscriber
    from tests.newsletter.smtp import free_port

    port = free_port()
    sink = _sink(port)
    smtp_settings = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": port,
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "NEWSLETTER_RATE": 0,
        "SITE_URL": "https://wegweiser.example",
    }
    try:
        with override_settings(**smtp_settings):
            Subscriber.objects.filter(source="demo").delete()
            subscribers_seed(count=deliveries)
            issue = Issue.objects.create(subject="Benchmark", subject_de="Benchmark")
            for n, offer in enumerate(visible_offers()[:items]):
                IssueItem.objects.create(issue=issue, offer=offer, sort_order=n)
            # Everyone gets it: the audience is every demo subscriber.
            Subscriber.objects.update(paused=False)
            Subscriber.topics.through.objects.all().delete()
            Subscriber.districts.through.objects.all().delete()
            queued = sending.issue_send_start(issue=issue)
            started = time.perf_counter()
            if os.environ.get("BENCH_PROFILE"):
                import cProfile
                import pstats

                profile = cProfile.Profile()
                result = profile.runcall(sending.deliveries_send, issue_id=issue.pk)
                pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
            else:
                result = sending.deliveries_send(issue_id=issue.pk)
            pipeline = time.perf_counter() - started
            sent = Delivery.objects.filter(issue=issue, state="sent").count()

            # The same messages, prepared up front, over one plain smtplib connection.
            editions = {e.language: e for e in issue.editions.all()}
            prepared = []
            for delivery in Delivery.objects.filter(issue=issue).select_related(
                "subscriber"
            ):
                message = sending.delivery_message(
                    delivery=delivery,
                    edition=editions[delivery.language],
                    subscriber=delivery.subscriber,  # type: ignore[arg-type]
                )
                raw = message.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
                prepared.append((message.to[0], raw))
            size = sum(len(raw) for _to, raw in prepared) / len(prepared)
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for to, raw in prepared:
                    smtp.sendmail(settings.NEWSLETTER_FROM_EMAIL, [to], raw)
            plain = time.perf_counter() - started
    finally:
        if sink.stdin:
            sink.stdin.close()
        sink.wait(timeout=30)
    ours = sent / pipeline
    theirs = len(prepared) / plain
    print(
        f"\nnewsletter send: {queued} deliveries queued, {result.sent} sent, "
        f"{size / 1024:.1f} KB per message on average"
    )
    print(f"  pipeline (ledger, worker, SMTP): {ours:.0f} msgs/s ({pipeline:.1f} s)")
    print(f"  plain smtplib, prepared bytes:   {theirs:.0f} msgs/s ({plain:.1f} s)")
    print(f"  pipeline / smtplib: {ours / theirs:.0%} (goal ≥ 70%)")
