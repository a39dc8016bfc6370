"""Writes with side effects for subscribers: sign-up, confirmation, preferences,
withdrawal, erasure, bounces. Views turn the exceptions into messages.
"""

import ipaddress
import json
import logging
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from directory.models import District, Topic
from operations import ratelimit

from . import tokens
from .models import (
    ConsentEvent,
    ConsentText,
    Delivery,
    Issue,
    IssueItem,
    Subscriber,
    Suppression,
)
from .models.subscribers import email_hash, email_normalize
from .selectors import last_sent_at, suggestions, suggestions_tick

log = logging.getLogger(__name__)
# Bump when the wording of the consent sentence changes (the text itself is stored).
CONSENT_VERSION = "2026-12"


class NewsletterError(Exception):
    """A request we refuse, with a message for the person who made it."""


def consent_sentence() -> str:
    """The consent sentence in the active language (shown next to the checkbox)."""
    return _(
        "I want to receive the Wegweiser newsletter by email in the languages and "
        "on the topics I chose. I can unsubscribe at any time with the link in "
        "every newsletter. My address is used for nothing else."
    )


def consent_text_current(*, language: str) -> ConsentText:
    """The stored row for the consent sentence as shown in ``language`` (created the
    first time that wording is shown; never changed afterwards).
    """
    import hashlib

    with translation.override(language):
        text = consent_sentence()
    digest = hashlib.sha256(f"{language}\x1f{text}".encode()).hexdigest()
    row, _created = ConsentText.objects.get_or_create(
        sha256=digest,
        defaults={"version": CONSENT_VERSION, "language": language, "text": text},
    )
    return row


def ip_for_record(ip: str | None) -> str:
    """The IP address as NEWSLETTER_CONSENT_IP says to keep it."""
    policy = settings.NEWSLETTER_CONSENT_IP
    if not ip or policy == "none":
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    if policy == "full":
        return str(address)
    prefix = 24 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return str(network)


def _choices_save(
    subscriber: Subscriber,
    languages: list[str],
    topics: list[Topic],
    districts: list[District],
) -> dict:
    """Save the subscriber with these choices; returns them as the consent event
    records them.
    """
    subscriber.languages = languages
    subscriber.save()
    subscriber.topics.set(topics)
    subscriber.districts.set(districts)
    return {
        "languages": languages,
        "topics": [topic.slug for topic in topics],
        "districts": [district.slug for district in districts],
    }


def _event(subscriber: Subscriber, kind: str, **fields) -> ConsentEvent:
    return ConsentEvent.objects.create(
        subscriber=subscriber, email_hash=subscriber.email_hash, kind=kind, **fields
    )


def languages_clean(codes) -> list[str]:
    """Known language codes in the given order, without repeats; raises on others."""
    known = {code for code, _name in settings.LANGUAGES}
    result: list[str] = []
    for code in codes:
        if code not in known:
            raise NewsletterError(_("Unknown language: %(code)s") % {"code": code})
        if code not in result:
            result.append(code)
    if not result:
        raise NewsletterError(_("Choose at least one language."))
    return result


def _mail_allowed(subscriber: Subscriber) -> bool:
    return _mail_allowed_count(subscriber.email)


def _mail_allowed_count(address: str) -> bool:
    """Count a mail to ``address``; False past NEWSLETTER_MAILS_PER_ADDRESS a day."""
    return ratelimit.allow(
        f"mail:{email_hash(address)}",
        limit=settings.NEWSLETTER_MAILS_PER_ADDRESS,
        seconds=86400,
    )


def subscriber_signup(
    *,
    email: str,
    languages: list[str],
    topics: list[Topic],
    districts: list[District],
    language: str,
    source: str,
    ip: str | None,
) -> None:
    """Record a sign-up and send the confirmation mail (double opt-in).

    Answers the same way whether the address is new, waiting, confirmed or
    unsubscribed: a confirmed subscriber's choices are not changed by someone who
    only knows the address; they get a mail pointing to their preference centre.
    """
    languages = languages_clean(languages)
    address = email_normalize(email)
    subscribers_expire()
    consent = consent_text_current(language=language)
    fields = {
        "address": address,
        "languages": languages,
        "topics": topics,
        "districts": districts,
        "language": language,
        "source": source,
        "ip": ip,
        "consent": consent,
    }
    try:
        _signup(**fields)
    except IntegrityError:
        # The same new address signed up twice at the same moment: the other request
        # created the row; this one now finds it.
        _signup(**fields)


def _signup(
    *, address, languages, topics, districts, language, source, ip, consent
) -> None:
    from .tasks import subscriber_mail_send

    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update().filter(email=address).first()
        )
        if subscriber is not None and subscriber.state == Subscriber.State.CONFIRMED:
            kind = "already_subscribed"
            mail = _mail_allowed(subscriber)
        else:
            if subscriber is None:
                subscriber = Subscriber(email=address)
                mail = True
                _mail_allowed_count(address)
            else:
                mail = _mail_allowed(subscriber)
            subscriber.state = Subscriber.State.PENDING
            subscriber.source = source
            subscriber.paused = False
            # A new link only with a new mail: repeated sign-ups past the mail limit
            # must not cancel the link the owner already has.
            if mail or not subscriber.confirm_nonce:
                subscriber.confirm_nonce = secrets.token_hex(8)
            subscriber.created_at = timezone.now()
            _event(
                subscriber,
                ConsentEvent.Kind.SIGNUP,
                consent_text=consent,
                language=language,
                source=source,
                ip=ip_for_record(ip),
                details=_choices_save(subscriber, languages, topics, districts),
            )
            kind = "confirm"
        if mail:
            pk = subscriber.pk
            transaction.on_commit(lambda: subscriber_mail_send.enqueue(pk, kind))


def subscriber_for_confirmation(*, token: str, lock: bool = False) -> Subscriber:
    """The waiting or confirmed subscriber a confirmation link belongs to.

    Raises tokens.ExpiredToken, tokens.InvalidToken (forged, superseded by a newer
    sign-up, unsubscribed since, or the sign-up expired and was deleted).
    """
    uuid_hex, nonce = tokens.confirm_token_read(token)
    subscribers = Subscriber.objects.filter(uuid=uuid_hex, confirm_nonce=nonce)
    if lock:
        subscribers = subscribers.select_for_update()
    subscriber = subscribers.first()
    if subscriber is None or subscriber.state == Subscriber.State.UNSUBSCRIBED:
        raise tokens.InvalidToken
    return subscriber


def subscriber_confirm(*, token: str, ip: str | None) -> tuple[Subscriber, bool]:
    """Confirm the sign-up the link belongs to.

    Returns (subscriber, newly_confirmed): a link used twice confirms once.
    Raises what ``subscriber_for_confirmation`` raises.
    """
    with transaction.atomic():
        subscriber = subscriber_for_confirmation(token=token, lock=True)
        if subscriber.state == Subscriber.State.CONFIRMED:
            return subscriber, False
        subscriber.state = Subscriber.State.CONFIRMED
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.soft_bounces = 0
        subscriber.save()
        # Fresh, proven consent (the mail arrived, its link was used) lifts an
        # earlier bounce or complaint stop; a coordinator's manual one stays.
        Suppression.objects.filter(email_hash=subscriber.email_hash).exclude(
            reason=Suppression.Reason.MANUAL
        ).delete()
        _event(
            subscriber,
            ConsentEvent.Kind.CONFIRM,
            language=(subscriber.languages or [""])[0],
            source="confirmation link",
            ip=ip_for_record(ip),
        )
    return subscriber, True


def subscriber_by_token(token: str) -> Subscriber:
    """The subscriber a preference or unsubscribe link belongs to.

    Raises tokens.InvalidToken (forged, or the data was erased).
    """
    uuid_hex = tokens.subscriber_token_read(token)
    subscriber = Subscriber.objects.filter(uuid=uuid_hex).first()
    if subscriber is None:
        raise tokens.InvalidToken
    return subscriber


def subscriber_unsubscribe(*, subscriber: Subscriber, source: str) -> bool:
    """Withdraw consent at once; True if the subscriber was receiving until now.

    Queued deliveries of running issues are not sent (checked at send time).
    """
    with transaction.atomic():
        locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if locked.state == Subscriber.State.UNSUBSCRIBED:
            return False
        locked.state = Subscriber.State.UNSUBSCRIBED
        locked.unsubscribed_at = timezone.now()
        locked.save()
        _event(locked, ConsentEvent.Kind.UNSUBSCRIBE, source=source)
    subscriber.refresh_from_db()
    return True


def subscriber_preferences_update(
    *,
    subscriber: Subscriber,
    languages: list[str],
    topics: list[Topic],
    districts: list[District],
    paused: bool,
) -> None:
    """Change what a subscriber receives (from the preference centre)."""
    languages = languages_clean(languages)
    with transaction.atomic():
        was_paused = subscriber.paused
        subscriber.paused = paused
        details = _choices_save(subscriber, languages, topics, districts)
        _event(
            subscriber,
            ConsentEvent.Kind.PREFERENCES,
            source="preference centre",
            details={**details, "paused": paused},
        )
        if paused != was_paused:
            _event(
                subscriber,
                ConsentEvent.Kind.PAUSE if paused else ConsentEvent.Kind.RESUME,
                source="preference centre",
            )


def subscriber_export(*, subscriber: Subscriber) -> dict:
    """Everything we hold about the subscriber (GDPR Art. 15/20) and the proof of
    consent (sign-up, confirmation, consent text, IP as recorded).
    """
    events = subscriber.consent_events.select_related("consent_text").order_by(
        "at", "pk"
    )
    deliveries = subscriber.deliveries.select_related("issue").order_by("pk")
    return {
        "email": subscriber.email,
        "state": subscriber.state,
        "paused": subscriber.paused,
        "languages": subscriber.languages,
        "topics": sorted(subscriber.topics.values_list("slug", flat=True)),
        "districts": sorted(subscriber.districts.values_list("slug", flat=True)),
        "signed_up_at": subscriber.created_at.isoformat(),
        "confirmed_at": (
            subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None
        ),
        "unsubscribed_at": (
            subscriber.unsubscribed_at.isoformat()
            if subscriber.unsubscribed_at
            else None
        ),
        "source": subscriber.source,
        "consent_events": [
            {
                "event": event.kind,
                "at": event.at.isoformat(),
                "language": event.language,
                "source": event.source,
                "ip": event.ip,
                "details": event.details,
                "consent_text": (
                    {
                        "version": event.consent_text.version,
                        "language": event.consent_text.language,
                        "text": event.consent_text.text,
                        "sha256": event.consent_text.sha256,
                    }
                    if event.consent_text
                    else None
                ),
            }
            for event in events
        ],
        "deliveries": [
            {
                "issue": delivery.issue.subject,
                "edition": delivery.language,
                "state": delivery.state,
                "sent_at": delivery.sent_at.isoformat() if delivery.sent_at else None,
                "message_id": delivery.message_id,
            }
            for delivery in deliveries
        ],
    }


def subscriber_export_send(*, subscriber: Subscriber) -> bool:
    """Mail the subscriber their data (GDPR Art. 15/20) as a JSON attachment.

    By mail, not as a download: the preference link travels in every newsletter
    and may be forwarded; the data goes only to the address itself. False when the
    address had its mails for today (NEWSLETTER_MAILS_PER_ADDRESS).
    """
    from .tasks import subscriber_mail_send

    if not _mail_allowed(subscriber):
        return False
    pk = subscriber.pk
    transaction.on_commit(lambda: subscriber_mail_send.enqueue(pk, "export"))
    return True


def subscriber_export_json(*, subscriber: Subscriber) -> str:
    """``subscriber_export`` as the JSON file people and coordinators download."""
    return json.dumps(
        subscriber_export(subscriber=subscriber), ensure_ascii=False, indent=2
    )


def subscriber_erase(*, subscriber: Subscriber) -> None:
    """Delete the subscriber (GDPR Art. 17): no row keeps the address afterwards.

    Consent events and sent deliveries keep only the address hash (proof of consent
    and its withdrawal, and "was this sent?"); queued deliveries go.
    """
    with transaction.atomic():
        _event(subscriber, ConsentEvent.Kind.ERASURE, source="erasure")
        subscriber.deliveries.exclude(state__in=Delivery.FINAL).delete()
        subscriber.delete()


def subscribers_expire() -> int:
    """Delete sign-ups not confirmed within NEWSLETTER_CONFIRM_DAYS; returns how many.

    Their sign-up events keep only the address hash.
    """
    cutoff = timezone.now() - timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
    stale = Subscriber.objects.filter(
        state=Subscriber.State.PENDING, created_at__lt=cutoff
    )
    count = 0
    for subscriber in stale.iterator():
        subscriber.delete()
        count += 1
    return count


# --- bounces and complaints -------------------------------------------------------


class Bounce:
    HARD = "hard"
    SOFT = "soft"
    COMPLAINT = "complaint"
    KINDS = (HARD, SOFT, COMPLAINT)


_ADDRESS_IN_TEXT = re.compile(r"[^\s<>()\[\]\"',;:]+@[^\s<>()\[\]\"',;:]+")


def note_clean(note: str) -> str:
    """A bounce note without addresses (reports quote the recipient), at most 300
    characters: notes outlive an erasure.
    """
    return _ADDRESS_IN_TEXT.sub("[address]", note or "")[:300]


def suppress(*, address_hash: str, reason: str, note: str = "") -> None:
    Suppression.objects.get_or_create(
        email_hash=address_hash, defaults={"reason": reason, "note": note_clean(note)}
    )


def bounce_record(
    *, kind: str, email: str = "", message_id: str = "", note: str = ""
) -> str:
    """Record a bounce or complaint for an address or a sent Message-ID.

    Hard bounces and complaints suppress at once (and a complaint unsubscribes);
    soft bounces after NEWSLETTER_SOFT_BOUNCE_LIMIT. Returns what happened:
    "suppressed", "counted" or "unknown". Raises NewsletterError on bad input.
    """
    if kind not in Bounce.KINDS:
        raise NewsletterError(_("Unknown bounce kind: %(kind)s") % {"kind": kind})
    if email:
        address_hash = email_hash(email)
    elif message_id:
        bare = message_id.strip().strip("<>")
        delivery = Delivery.objects.filter(message_id=f"<{bare}>").first()
        if delivery is None:
            return "unknown"
        address_hash = delivery.email_hash
    else:
        raise NewsletterError(_("Give an email address or a Message-ID."))
    subscriber = Subscriber.objects.filter(email_hash=address_hash).first()
    with transaction.atomic():
        if kind == Bounce.SOFT:
            if subscriber is None:
                return "unknown"
            Subscriber.objects.filter(pk=subscriber.pk).update(
                soft_bounces=F("soft_bounces") + 1
            )
            subscriber.refresh_from_db(fields=["soft_bounces"])
            if subscriber.soft_bounces < settings.NEWSLETTER_SOFT_BOUNCE_LIMIT:
                return "counted"
            reason = Suppression.Reason.SOFT_BOUNCES
        elif kind == Bounce.HARD:
            reason = Suppression.Reason.HARD_BOUNCE
        else:
            reason = Suppression.Reason.COMPLAINT
            if subscriber is not None:
                subscriber_unsubscribe(subscriber=subscriber, source="complaint")
        suppress(address_hash=address_hash, reason=reason, note=note)
        if subscriber is not None:
            _event(
                subscriber,
                ConsentEvent.Kind.SUPPRESSED,
                source=reason,
                details={"note": note_clean(note)} if note else {},
            )
    return "suppressed"


# --- issues -------------------------------------------------------------------------


def issue_compose(
    *,
    subject: str,
    since=None,
    offers=None,
    responsibilities=None,
    news=None,
    user=None,
):
    """A draft issue holding the suggested items (or the ones given), grouped by
    topic in the order the suggestions list them. Without a choice, the
    NEWSLETTER_SUGGESTED_ITEMS newest suggestions (agency news first).

    ``since`` None means "since the last sent issue" (everything for the first).
    Raises NewsletterError for an empty subject.
    """

    subject = (subject or "").strip()
    if not subject:
        raise NewsletterError(_("Give the issue a subject."))
    if since is None:
        since = last_sent_at()
    groups = suggestions(since=since)
    if offers is None and responsibilities is None and news is None:
        suggestions_tick(groups, limit=settings.NEWSLETTER_SUGGESTED_ITEMS)
        offers = [o for g in groups for o in g["offers"] if o.ticked]
        responsibilities = [
            r for g in groups for r in g["responsibilities"] if r.ticked
        ]
        news = [n for g in groups for n in g["news"] if n.ticked]
    chosen: dict[str, set[int] | None] = {
        "offer": None if offers is None else {o.pk for o in offers},
        "responsibility": (
            None if responsibilities is None else {r.pk for r in responsibilities}
        ),
        "news": None if news is None else {n.pk for n in news},
    }
    with transaction.atomic():
        issue = Issue(subject=subject, since=since, created_by=user)
        issue.subject_de = issue.subject_de or subject
        issue.save()
        order = 0
        for group in groups:
            for kind, key in (
                ("offer", "offers"),
                ("responsibility", "responsibilities"),
                ("news", "news"),
            ):
                allowed = chosen[kind]
                for obj in group[key]:
                    if allowed is not None and obj.pk not in allowed:
                        continue
                    IssueItem.objects.create(
                        issue=issue, sort_order=order, **{kind: obj}
                    )
                    order += 1
    return issue
