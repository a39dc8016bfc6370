"""Sending an issue: freeze the editions, fill the delivery ledger, and the worker
loop that claims rows, sends them over one SMTP connection per batch and marks each
row sent only after the server accepted it.

Crash semantics: a worker holds its rows for NEWSLETTER_CLAIM_SECONDS (renewed while
it works). Rows of a worker that died go back to the queue when the claim runs out;
only a message the server accepted just before the crash, whose row was not yet
marked, is sent again, with the same Message-ID.
"""

import logging
import re
import smtplib
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import formatdate, parseaddr

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection, send_mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import links, tasks
from .models import Delivery, Edition, Issue, Subscriber, Suppression
from .rendering import (
    PREFERENCES_URL,
    UNSUBSCRIBE_URL,
    edition_render,
    editions_render,
    personalize,
)
from .selectors import audience, edition_for
from .services import NewsletterError

log = logging.getLogger(__name__)
Status = Issue.Status
State = Delivery.State


class ScheduleOverdue(NewsletterError):
    """The schedule lies far in the past; sending needs an explicit confirmation."""


# --- starting -----------------------------------------------------------------------


def _mail_domain() -> str:
    domain = parseaddr(settings.NEWSLETTER_FROM_EMAIL)[1].rpartition("@")[2]
    return domain or "localhost"


def message_id(issue: Issue, subscriber: Subscriber) -> str:
    """Deterministic per (issue, subscriber): a resend after a crash is recognisable."""
    return f"<nl-{issue.pk}-{subscriber.uuid.hex}@{_mail_domain()}>"


def editions_store(issue: Issue, rendered: list) -> list[Edition]:
    """Store the rendered editions as the ones sent (replacing earlier ones)."""
    Edition.objects.filter(issue=issue).delete()
    return Edition.objects.bulk_create(
        Edition(
            issue=issue,
            language=r.language,
            subject=r.subject,
            html=r.html,
            text=r.text,
            content=r.content,
            fallback_items=r.fallback_items,
            html_bytes=r.html_bytes,
        )
        for r in rendered
    )


def deliveries_create(issue: Issue) -> int:
    """One queued row per subscriber of the audience (existing rows are kept)."""
    available = issue.edition_languages()
    created = 0
    batch: list[Delivery] = []
    for subscriber in audience(issue).only("pk", "uuid", "email_hash", "languages"):
        batch.append(
            Delivery(
                issue=issue,
                subscriber=subscriber,
                email_hash=subscriber.email_hash,
                language=edition_for(subscriber.languages, available),
                message_id=message_id(issue, subscriber),
            )
        )
        if len(batch) >= 2000:
            created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
    return created


def is_overdue(issue: Issue, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        issue.scheduled_at
        and issue.scheduled_at
        < now - timedelta(hours=settings.NEWSLETTER_OVERDUE_HOURS)
    )


def when_text(moment: datetime | None) -> str:
    """A moment as coordinators read it in messages (the site's time zone)."""
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}" if moment else ""


def _startable(issue: Issue, *, confirm_overdue: bool) -> None:
    if issue.status not in {Status.DRAFT, Status.SCHEDULED}:
        raise NewsletterError(
            _("This issue is %(status)s and cannot be started again.")
            % {"status": issue.get_status_display()}
        )
    if not issue.items.exists():
        raise NewsletterError(_("Add at least one item before sending."))
    if is_overdue(issue) and not confirm_overdue:
        raise ScheduleOverdue(
            _(
                "This issue was scheduled for %(when)s, long ago. Confirm that "
                "it should still go out."
            )
            % {"when": when_text(issue.scheduled_at)}
        )


def issue_send_start(*, issue: Issue, confirm_overdue: bool = False) -> int:
    """Freeze the editions, queue one delivery per recipient and start the workers.

    Returns the number of deliveries queued. Raises NewsletterError when the issue
    has no items or was sent already, ScheduleOverdue for a schedule far in the past
    (unless ``confirm_overdue``), RenderError when an edition does not render.
    """
    _startable(issue, confirm_overdue=confirm_overdue)
    # Rendered before the write transaction: on SQLite that transaction blocks every
    # other writer (sign-ups, editors) while it lasts.
    rendered = editions_render(issue=issue, languages=issue.edition_languages())
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        _startable(issue, confirm_overdue=confirm_overdue)  # still, now locked
        editions_store(issue, rendered)
        count = deliveries_create(issue)
        issue.status = Status.SENDING
        issue.started_at = timezone.now()
        issue.stop_reason = ""
        issue.save(update_fields=["status", "started_at", "stop_reason"])
        transaction.on_commit(lambda: workers_start(issue.pk))
    log.info("newsletter issue %s: %s deliveries queued", issue.pk, count)
    return count


def issue_schedule(*, issue: Issue, at: datetime) -> None:
    """Send at ``at`` (a worker starts it then). Raises NewsletterError."""
    _startable(issue, confirm_overdue=True)  # the old time does not matter now
    issue.status = Status.SCHEDULED
    issue.scheduled_at = at
    issue.save(update_fields=["status", "scheduled_at"])
    pk = issue.pk
    transaction.on_commit(
        lambda: _enqueue(tasks.issue_start_scheduled, pk, run_after=at)
    )


def issue_unschedule(*, issue: Issue) -> None:
    # Forget the time too: a later "send now" must not ask about an old schedule.
    Issue.objects.filter(pk=issue.pk, status=Status.SCHEDULED).update(
        status=Status.DRAFT, scheduled_at=None
    )


def scheduled_issues_start() -> dict[int, str]:
    """Start every scheduled issue whose time has come (for `newsletter_send --due`
    from cron, where the task backend cannot run tasks later by itself).
    """
    due = Issue.objects.filter(
        status=Status.SCHEDULED, scheduled_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    return {pk: scheduled_start_due(pk) for pk in due}


def scheduled_start_due(issue_id: int) -> str:
    """Start a scheduled issue whose time has come; an overdue one (the site was down)
    goes back to draft and the coordinators are told instead.
    """
    issue = Issue.objects.filter(pk=issue_id, status=Status.SCHEDULED).first()
    if issue is None:
        return "not scheduled"
    now = timezone.now()
    if issue.scheduled_at and issue.scheduled_at > now:
        return "not yet"
    if is_overdue(issue, now):
        issue.status = Status.DRAFT
        issue.stop_reason = _(
            "Not sent: the scheduled time %(when)s had long passed when the worker "
            "picked it up. Check and send it by hand."
        ) % {"when": when_text(issue.scheduled_at)}
        issue.save(update_fields=["status", "stop_reason"])
        coordinators_notify(issue, issue.stop_reason)
        return "overdue"
    try:
        issue_send_start(issue=issue, confirm_overdue=True)
    except NewsletterError as error:  # RenderError included
        # Nobody watches a scheduled start: put it back and tell the coordinators.
        Issue.objects.filter(pk=issue.pk, status=Status.SCHEDULED).update(
            status=Status.DRAFT,
            stop_reason=_("Not sent at the scheduled time: %(error)s")
            % {"error": error},
        )
        issue.refresh_from_db()
        coordinators_notify(issue, issue.stop_reason)
        return "failed"
    return "started"


def issue_pause(*, issue: Issue) -> bool:
    """Workers stop after their current message; queued rows wait."""
    return bool(
        Issue.objects.filter(pk=issue.pk, status=Status.SENDING).update(
            status=Status.PAUSED
        )
    )


def issue_resume(*, issue: Issue) -> bool:
    """Continue a paused or stopped issue where it stopped."""
    resumed = Issue.objects.filter(
        pk=issue.pk, status__in=[Status.PAUSED, Status.STOPPED]
    ).update(status=Status.SENDING, stop_reason="")
    if resumed:
        Delivery.objects.filter(issue=issue, state=State.QUEUED).update(
            next_attempt_at=None
        )
        transaction.on_commit(lambda: workers_start(issue.pk))
    return bool(resumed)


def _enqueue(task, *args, run_after: datetime | None = None):
    """Enqueue; a backend without deferred tasks runs it now (tests, immediate)."""
    if run_after is not None and task.get_backend().supports_defer:
        return task.using(run_after=run_after).enqueue(*args)
    if run_after is not None and run_after > timezone.now():
        # This backend cannot wait: `newsletter_send --due` (cron) starts it later.
        return None
    return task.enqueue(*args)


def workers_start(issue_id: int) -> None:
    """Enqueue the sending tasks, and a watch that restarts them if they die."""
    for _n in range(max(1, settings.NEWSLETTER_WORKERS)):
        _enqueue(tasks.issue_deliveries_send, issue_id)
    _watch_later(issue_id)


def _watch_later(issue_id: int) -> None:
    at = timezone.now() + timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    _enqueue(tasks.issue_watch, issue_id, run_after=at)


def issue_watch(issue_id: int) -> str:
    """While an issue is sending: if no worker holds its rows any more (a worker
    process was killed, and its task will never finish), start workers again.

    Runs every NEWSLETTER_CLAIM_SECONDS as a deferred task; after a restart of the
    worker processes it is what picks the issue up again.
    """
    if _issue_status(issue_id) != Status.SENDING:
        return "not sending"
    now = timezone.now()
    working = Delivery.objects.filter(
        issue_id=issue_id, state=State.SENDING, claimed_until__gte=now
    ).exists()
    if not working and _claimable(issue_id, now).exists():
        log.warning("newsletter issue %s: no worker was sending; restarted", issue_id)
        workers_start(issue_id)  # also watches again
        return "restarted"
    if not _issue_finish_if_done(issue_id):
        _watch_later(issue_id)
    return "watching"


# --- the worker -----------------------------------------------------------------------


@dataclass
class WorkerResult:
    sent: int = 0
    failed: int = 0
    suppressed: int = 0
    retried: int = 0
    # Rows another worker took over because this one was too slow to renew its claim.
    lost: int = 0
    stopped: str = ""


def _claimable(issue_id: int, now: datetime):
    ready = Q(state=State.QUEUED) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    expired = Q(state=State.SENDING, claimed_until__lt=now)
    return Delivery.objects.filter(ready | expired, issue_id=issue_id)


def deliveries_claim(*, issue_id: int, claim: uuid.UUID, limit: int) -> list[Delivery]:
    """Take up to ``limit`` rows for this worker: queued ones, and rows whose claim
    ran out (a worker died). Two workers never get the same row: on PostgreSQL the
    candidates are locked with SKIP LOCKED, and the update re-checks the state.
    """
    now = timezone.now()
    until = now + timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    with transaction.atomic():
        candidates = _claimable(issue_id, now).order_by("pk")
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if ids:
            _claimable(issue_id, now).filter(pk__in=ids).update(
                state=State.SENDING, claim=claim, claimed_until=until
            )
    return list(
        Delivery.objects.filter(claim=claim, state=State.SENDING)
        .select_related("subscriber")
        .order_by("pk")
    )


def _claim_renew(claim: uuid.UUID) -> set[int]:
    """Extend this worker's claim; returns the rows it still holds (a row whose
    claim ran out may have been taken over by another worker meanwhile).
    """
    until = timezone.now() + timedelta(seconds=settings.NEWSLETTER_CLAIM_SECONDS)
    held = Delivery.objects.filter(claim=claim, state=State.SENDING)
    held.update(claimed_until=until)
    return set(held.values_list("pk", flat=True))


def _claim_release(claim: uuid.UUID) -> None:
    Delivery.objects.filter(claim=claim, state=State.SENDING).update(
        state=State.QUEUED, claim=None, claimed_until=None
    )


def _finish(delivery: Delivery, claim: uuid.UUID, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk, claim=claim).update(
        claim=None, claimed_until=None, **fields
    )


def _mark_sent(delivery: Delivery, claim: uuid.UUID) -> bool:
    """``_finish(state=SENT, …)`` in one plain statement: it runs once per message,
    where the ORM's query building would cost a fifth of the time SMTP takes.
    """
    q = db_connection.ops.quote_name
    ops = db_connection.ops
    # Only quoted identifiers are formatted in; values are parameters.
    sql = (
        f"UPDATE {q(Delivery._meta.db_table)} SET {q('state')} = %s, "  # noqa: S608
        f"{q('sent_at')} = %s, {q('attempts')} = %s, {q('last_error')} = '', "
        f"{q('claim')} = NULL, {q('claimed_until')} = NULL "
        f"WHERE {q('id')} = %s AND {q('claim')} = %s"
    )
    params = [
        State.SENT,
        ops.adapt_datetimefield_value(timezone.now()),
        delivery.attempts + 1,
        delivery.pk,
        claim if db_connection.features.has_native_uuid_field else claim.hex,
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


class _Connection:
    """One mail connection for a worker, opened on first use and dropped after an
    error (the next message opens a new one).

    With the SMTP backend the prepared bytes go straight to its connection (address
    and bytes are checked already); other backends (console, file, locmem) get a
    message built the usual way.
    """

    def __init__(self) -> None:
        self.backend: BaseEmailBackend | None = None
        self.sender = sanitize_address(settings.NEWSLETTER_FROM_EMAIL, "utf-8")

    def send(
        self, *, edition: "PreparedEdition", delivery: Delivery, subscriber: Subscriber
    ) -> None:
        """Raises SMTP and socket errors (the connection is closed then)."""
        try:
            backend = self.backend
            if backend is None:
                # Opened here, so send_messages keeps it open for the next ones.
                backend = self.backend = get_connection(fail_silently=False)
                backend.open()
            smtp = getattr(backend, "connection", None)
            raw = edition.raw_for(delivery=delivery, subscriber=subscriber)
            if isinstance(backend, SMTPBackend) and smtp and raw is not None:
                smtp.sendmail(self.sender, [subscriber.email], raw)
            else:
                message = delivery_message(
                    delivery=delivery, edition=edition.edition, subscriber=subscriber
                )
                backend.send_messages([message])
        except (smtplib.SMTPException, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()
        self.backend = None


def _receiving(subscriber: Subscriber, suppressed: set[str]) -> bool:
    return bool(
        subscriber.state == Subscriber.State.CONFIRMED
        and not subscriber.paused
        and subscriber.email_hash not in suppressed
    )


class Throttle:
    """At most NEWSLETTER_RATE messages per second over all workers of an issue."""

    def __init__(self, rate: float, workers: int):
        self.interval = (max(1, workers) / rate) if rate > 0 else 0.0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next_at > now:
            time.sleep(self.next_at - now)
        self.next_at = max(self.next_at, now) + self.interval


def delivery_message(
    *, delivery: Delivery, edition: Edition, subscriber: Subscriber
) -> EmailMultiAlternatives:
    """The MIME message of one delivery: the frozen edition with this recipient's
    links and RFC 8058 headers.
    """
    preferences, unsubscribe, mailto = links.RecipientLinks(
        edition.language
    ).for_subscriber(subscriber)
    message = EmailMultiAlternatives(
        subject=edition.subject,
        body=personalize(
            edition.text, preferences_url=preferences, unsubscribe_url=unsubscribe
        ),
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
        headers=_headers(
            message_id=delivery.message_id,
            unsubscribe=unsubscribe,
            mailto=mailto,
        ),
    )
    message.attach_alternative(
        personalize(
            edition.html, preferences_url=preferences, unsubscribe_url=unsubscribe
        ),
        "text/html",
    )
    return message


def _headers(*, message_id: str, unsubscribe: str, mailto: str, **more) -> dict:
    return {
        "Message-ID": message_id,
        "List-Id": f"Wegweiser <newsletter.{_mail_domain()}>",
        "Precedence": "bulk",
        "List-Unsubscribe": f"<{unsubscribe}>, <{mailto}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        **more,
    }


# An address we can put into the prepared bytes as it is (anything else, e.g. an
# internationalised one, goes through Django's full message building).
_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


class PreparedEdition:
    """The MIME bytes of one edition, built once, with placeholders for what differs
    per recipient (address, Message-ID, date, links). Building MIME per message
    costs more than sending it; substituting bytes costs almost nothing.

    ``usable`` is False when a placeholder did not survive MIME encoding intact
    (e.g. quoted-printable for very long lines); then messages are built one by one.
    """

    TO = "recipient@recipient.invalid"
    MESSAGE_ID = "<message-id@recipient.invalid>"
    LIST_UNSUBSCRIBE = "https://recipient.invalid/list-unsubscribe"
    MAILTO = "mailto:list-unsubscribe@recipient.invalid"
    DATE = "Thu, 01 Jan 1970 00:00:00 -0000"

    def __init__(self, edition: Edition) -> None:
        self.edition = edition
        self.links = links.RecipientLinks(edition.language)
        template = EmailMultiAlternatives(
            subject=edition.subject,
            body=edition.text,
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            to=[self.TO],
            headers=_headers(
                message_id=self.MESSAGE_ID,
                unsubscribe=self.LIST_UNSUBSCRIBE,
                mailto=self.MAILTO,
                Date=self.DATE,
            ),
        )
        template.attach_alternative(edition.html, "text/html")
        self.raw = template.message().as_bytes(linesep="\r\n")  # type: ignore[call-arg]
        # placeholder -> (what replaces it, how often it must occur in the bytes)
        body = edition.text + edition.html
        marks = {
            self.TO: ("to", 1),
            self.MESSAGE_ID: ("message_id", 1),
            self.LIST_UNSUBSCRIBE: ("unsubscribe", 1),
            self.MAILTO: ("mailto", 1),
            self.DATE: ("date", 1),
            PREFERENCES_URL: ("preferences", body.count(PREFERENCES_URL)),
            UNSUBSCRIBE_URL: ("unsubscribe", body.count(UNSUBSCRIBE_URL)),
        }
        self.keys = {mark.encode(): key for mark, (key, _n) in marks.items()}
        # SMTP refuses lines over 998 bytes: a line must keep room for the real links.
        growth = len(settings.SITE_URL) + 200 - len(UNSUBSCRIBE_URL)
        longest = max(
            len(line) + growth * sum(line.count(mark) for mark in self.keys)
            for line in self.raw.split(b"\r\n")
        )
        self.usable = longest <= 998 and all(
            self.raw.count(mark.encode()) == count
            for mark, (_key, count) in marks.items()
        )
        # The bytes cut at every placeholder: a message is one join of the pieces.
        self.segments = re.split(
            b"(" + b"|".join(re.escape(mark) for mark in self.keys) + b")", self.raw
        )

    def raw_for(self, *, delivery: Delivery, subscriber: Subscriber) -> bytes | None:
        """This delivery's complete message as bytes; None when it must be built
        the long way (see ``usable``, or an address that needs encoding).
        """
        if not self.usable or not _PLAIN_ADDRESS.fullmatch(subscriber.email):
            return None
        preferences, unsubscribe, mailto = self.links.for_subscriber(subscriber)
        values = {
            "to": subscriber.email.encode(),
            "message_id": delivery.message_id.encode(),
            "unsubscribe": unsubscribe.encode(),
            "mailto": mailto.encode(),
            "date": formatdate(localtime=True).encode(),
            "preferences": preferences.encode(),
        }
        return b"".join(
            values[self.keys[piece]] if n % 2 else piece
            for n, piece in enumerate(self.segments)
        )


def _issue_status(issue_id: int) -> str | None:
    return Issue.objects.filter(pk=issue_id).values_list("status", flat=True).first()


def deliveries_send(*, issue_id: int, max_seconds: float | None = None) -> WorkerResult:
    """Send the issue's queued deliveries until none is left (or the issue is paused
    or stopped, or ``max_seconds`` passed). Safe to run in several processes.
    """
    result = WorkerResult()
    editions = {
        e.language: PreparedEdition(e)
        for e in Edition.objects.filter(issue_id=issue_id)
    }
    throttle = Throttle(settings.NEWSLETTER_RATE, settings.NEWSLETTER_WORKERS)
    batch_size = max(1, settings.NEWSLETTER_BATCH_SIZE)
    if settings.NEWSLETTER_RATE > 0:  # a claim must not run out while we wait
        per_worker = settings.NEWSLETTER_RATE / max(1, settings.NEWSLETTER_WORKERS)
        fits = int(per_worker * settings.NEWSLETTER_CLAIM_SECONDS / 2)
        batch_size = max(1, min(batch_size, fits))
    started = time.monotonic()
    consecutive_errors = 0
    connection = _Connection()
    try:
        while True:
            if _issue_status(issue_id) != Status.SENDING:
                result.stopped = "paused"
                break
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                result.stopped = "time"
                break
            claim = uuid.uuid4()
            batch = deliveries_claim(issue_id=issue_id, claim=claim, limit=batch_size)
            if not batch:
                if _wait_for_retries(issue_id):
                    continue
                break
            suppressed = set(
                Suppression.objects.filter(
                    email_hash__in=[d.email_hash for d in batch]
                ).values_list("email_hash", flat=True)
            )
            lease = settings.NEWSLETTER_CLAIM_SECONDS
            renew_at = time.monotonic() + lease / 3
            check_at = time.monotonic() + 1
            held = {delivery.pk for delivery in batch}
            for delivery in batch:
                if time.monotonic() > check_at:  # a pause takes effect within ~1 s
                    check_at = time.monotonic() + 1
                    if _issue_status(issue_id) != Status.SENDING:
                        result.stopped = "paused"
                        break
                if time.monotonic() > renew_at:
                    held = _claim_renew(claim)
                    renew_at = time.monotonic() + lease / 3
                if delivery.pk not in held:
                    result.lost += 1  # our claim ran out; another worker has it
                    continue
                subscriber = delivery.subscriber
                if subscriber is None or not _receiving(subscriber, suppressed):
                    _finish(delivery, claim, state=State.SUPPRESSED)
                    result.suppressed += 1
                    continue
                edition = (
                    editions.get(delivery.language) or editions[settings.LANGUAGE_CODE]
                )
                throttle.wait()
                try:
                    connection.send(
                        edition=edition, delivery=delivery, subscriber=subscriber
                    )
                except (smtplib.SMTPException, OSError) as error:
                    consecutive_errors += 1
                    reason = _failure(
                        delivery, claim, error, result, consecutive_errors
                    )
                    if reason:
                        _stop(issue_id, reason)
                        result.stopped = "errors"
                        break
                    continue
                except Exception as error:
                    # Our bug, not the mail server's: stop the issue and say so
                    # rather than letting every restarted worker fail the same way.
                    _claim_release(claim)
                    _stop(issue_id, _unexpected_reason(error))
                    log.exception("newsletter issue %s: unexpected error", issue_id)
                    raise
                consecutive_errors = 0
                if _mark_sent(delivery, claim):
                    result.sent += 1
                else:
                    result.lost += 1
                    log.warning(
                        "newsletter delivery %s was sent after its claim ran out",
                        delivery.pk,
                    )
            _claim_release(claim)
            if result.stopped:
                break
    finally:
        connection.close()
    _issue_finish_if_done(issue_id)
    return result


RECIPIENT_REFUSED = "recipient"  # this address does not exist: fail and suppress
TEMPORARY = "temporary"  # try this message again later
SERVER_REFUSED = "server"  # the server refuses us (login, sender, content): stop


def _failure_kind(error: Exception) -> str:
    """What an SMTP error means for this delivery and the issue.

    Only a 5xx refusal of the recipient with a mailbox status (5.1.x, or a bare
    550/551/553) is a hard bounce. A 5xx for the sender, the login or the message
    is the same for every recipient: sending stops for the coordinator to fix it,
    and the row waits (a relay misconfiguration must not suppress subscribers).
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(error.recipients.values()), (None, b""))
        detail = text.decode("ascii", "replace") if isinstance(text, bytes) else text
        if code is None or not 500 <= code < 600:
            return TEMPORARY
        if detail.startswith("5.1.") or (
            code in (550, 551, 553) and not re.match(r"5\.\d+\.\d+", detail)
        ):
            return RECIPIENT_REFUSED
        return TEMPORARY  # e.g. 5.7.1 policy: retried, counts towards stopping
    if isinstance(
        error,
        smtplib.SMTPSenderRefused
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPNotSupportedError
        | smtplib.SMTPHeloError,
    ):
        return SERVER_REFUSED
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return SERVER_REFUSED
    return TEMPORARY


def _failure(
    delivery: Delivery,
    claim: uuid.UUID,
    error: Exception,
    result: WorkerResult,
    consecutive_errors: int,
) -> str:
    """Record a failed attempt on the row; returns why sending must stop ("" if it
    goes on).
    """
    kind = _failure_kind(error)
    code = (
        next(iter(error.recipients.values()), (None, b""))[0]
        if isinstance(error, smtplib.SMTPRecipientsRefused)
        else getattr(error, "smtp_code", None)
    )
    # The error text may quote the address: keep only the class and the code.
    text = f"{type(error).__name__} {code or ''}".strip()
    attempts = delivery.attempts + 1
    if kind == RECIPIENT_REFUSED:
        _finish(delivery, claim, state=State.FAILED, attempts=attempts, last_error=text)
        Suppression.objects.get_or_create(
            email_hash=delivery.email_hash,
            defaults={"reason": Suppression.Reason.HARD_BOUNCE, "note": text},
        )
        result.failed += 1
    elif kind == SERVER_REFUSED:
        # Not this recipient's fault: the row waits, the attempt does not count.
        _finish(delivery, claim, state=State.QUEUED, last_error=text)
        result.retried += 1
    elif attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        _finish(delivery, claim, state=State.FAILED, attempts=attempts, last_error=text)
        result.failed += 1
    else:
        delay = settings.NEWSLETTER_RETRY_SECONDS * 2 ** (attempts - 1)
        _finish(
            delivery,
            claim,
            state=State.QUEUED,
            attempts=attempts,
            last_error=text,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
        )
        result.retried += 1
    log.warning("newsletter delivery %s: %s (attempt %s)", delivery.pk, text, attempts)
    if kind == SERVER_REFUSED:
        return _server_refused_reason(error)
    if consecutive_errors >= settings.NEWSLETTER_STOP_AFTER_ERRORS:
        return _repeated_reason(error, consecutive_errors)
    return ""


def _wait_for_retries(issue_id: int) -> bool:
    """Nothing to claim now, but rows wait for a retry or are held by another worker
    (which may have died). Sleep if the next one is due soon, else leave it to a
    deferred task. True when the caller should claim again now.
    """
    due = Delivery.objects.filter(issue_id=issue_id).aggregate(
        retry=Min("next_attempt_at", filter=Q(state=State.QUEUED)),
        claim=Min("claimed_until", filter=Q(state=State.SENDING)),
    )
    moments = [moment for moment in due.values() if moment is not None]
    if not moments:
        return False
    next_at = min(moments)
    wait = (next_at - timezone.now()).total_seconds()
    if wait <= 10:
        time.sleep(max(0.0, wait) + 0.05)
        return True
    _enqueue(tasks.issue_deliveries_send, issue_id, run_after=next_at)
    return False


def _repeated_reason(error: Exception, count: int) -> str:
    return _(
        "Sending stopped after %(count)s failures in a row (last: %(error)s). "
        "Check the mail server, then resume."
    ) % {"count": count, "error": _error_name(error)}


def _server_refused_reason(error: Exception) -> str:
    return _(
        "Sending stopped: the mail server refuses our messages (%(error)s), not a "
        "recipient. Check the mail settings (login, sender address), then resume."
    ) % {"error": _error_name(error)}


def _unexpected_reason(error: Exception) -> str:
    return _(
        "Sending stopped after an unexpected error (%(error)s). Tell the technical "
        "team; resume when it is fixed."
    ) % {"error": type(error).__name__}


def _error_name(error: Exception) -> str:
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def _stop(issue_id: int, reason: str) -> None:
    stopped = Issue.objects.filter(pk=issue_id, status=Status.SENDING).update(
        status=Status.STOPPED, stop_reason=reason
    )
    if stopped:
        log.error("newsletter issue %s stopped: %s", issue_id, reason)
        coordinators_notify(Issue.objects.get(pk=issue_id), reason)


def _issue_finish_if_done(issue_id: int) -> bool:
    if Delivery.objects.filter(
        issue_id=issue_id, state__in=[State.QUEUED, State.SENDING]
    ).exists():
        return False
    return bool(
        Issue.objects.filter(pk=issue_id, status=Status.SENDING).update(
            status=Status.SENT, finished_at=timezone.now()
        )
    )


def coordinators_notify(issue: Issue, text: str) -> int:
    """Mail the coordinators (and superusers) about a problem with an issue."""
    from directory.services import COORDINATORS_GROUP

    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    recipients = sorted(
        set(
            users.filter(
                Q(is_superuser=True) | Q(groups__name=COORDINATORS_GROUP)
            ).values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    try:
        return send_mail(
            subject=_("Newsletter: %(subject)s needs attention") % {"subject": issue},
            message=f"{text}\n\n{settings.WAGTAILADMIN_BASE_URL}/admin/",
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            recipient_list=recipients,
        )
    except (smtplib.SMTPException, OSError):
        log.exception("could not tell coordinators about issue %s", issue.pk)
        return 0


def test_send(*, issue: Issue, language: str, addresses: list[str]) -> int:
    """Send the edition (rendered now, not frozen) to ``addresses`` with dummy links.

    Raises RenderError, or SMTP errors for the caller to show.
    """
    rendered = edition_render(issue=issue, language=language)
    preview_links = {
        "preferences_url": links.absolute("/"),
        "unsubscribe_url": links.absolute("/"),
    }
    messages = []
    for address in addresses:
        message = EmailMultiAlternatives(
            subject=f"[{_('Test')}] {rendered.subject}",
            body=personalize(rendered.text, **preview_links),
            from_email=settings.NEWSLETTER_FROM_EMAIL,
            to=[address],
        )
        message.attach_alternative(
            personalize(rendered.html, **preview_links), "text/html"
        )
        messages.append(message)
    return get_connection(fail_silently=False).send_messages(messages) or 0
