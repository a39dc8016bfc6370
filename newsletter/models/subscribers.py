"""Subscribers, the versioned consent texts they agreed to, and the append-only
record of what they consented to and when; the suppression list.
"""

import hashlib
import hmac
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def email_normalize(email: str) -> str:
    """The form we store and compare: trimmed, lower case (``Anna@X`` = ``anna@x``)."""
    return (email or "").strip().lower()


def email_hash(email: str) -> str:
    """A keyed hash of the address: what remains of it after erasure (ledger rows,
    suppression list, consent proof). Keyed so the hash alone does not reveal it.
    """
    key = (settings.NEWSLETTER_HASH_KEY or settings.SECRET_KEY).encode()
    return hmac.new(
        key, email_normalize(email).encode("utf-8"), hashlib.sha256
    ).hexdigest()


class SubscriberQuerySet(models.QuerySet):
    def receiving(self):
        """Confirmed, not paused, and not on the suppression list."""
        return self.filter(state=Subscriber.State.CONFIRMED, paused=False).exclude(
            email_hash__in=Suppression.objects.values("email_hash")
        )


class Subscriber(models.Model):
    """One address; what it wants to receive lives here, how it agreed in
    ``ConsentEvent``.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    uuid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True)
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    email_hash = models.CharField(_("address hash"), max_length=64, unique=True)
    languages = models.JSONField(
        _("languages"),
        default=list,
        help_text=_("Language codes in the order the subscriber chose them."),
    )
    topics = models.ManyToManyField(
        "directory.Topic",
        verbose_name=_("topics"),
        blank=True,
        related_name="newsletter_subscribers",
        help_text=_("None chosen: every topic."),
    )
    districts = models.ManyToManyField(
        "directory.District",
        verbose_name=_("districts"),
        blank=True,
        related_name="newsletter_subscribers",
        help_text=_("None chosen: the whole region."),
    )
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.PENDING
    )
    paused = models.BooleanField(_("paused"), default=False)
    source = models.CharField(_("signed up through"), max_length=40, blank=True)
    # Changes with every sign-up so that only the newest confirmation link works.
    confirm_nonce = models.CharField(max_length=32, blank=True, editable=False)
    soft_bounces = models.PositiveSmallIntegerField(_("soft bounces"), default=0)
    created_at = models.DateTimeField(_("signed up"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="confirmed")
                | models.Q(confirmed_at__isnull=False),
                name="newsletter_subscriber_confirmed_has_time",
                violation_error_message=_("A confirmed subscriber needs a time."),
            ),
        ]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs):
        self.email = email_normalize(self.email)
        self.email_hash = email_hash(self.email)
        super().save(*args, **kwargs)


class ConsentText(models.Model):
    """The exact words a subscriber agreed to, stored once per wording and language."""

    version = models.CharField(_("version"), max_length=40)
    language = models.CharField(_("language"), max_length=12)
    text = models.TextField(_("text"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("first shown"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"


class AppendOnly(Exception):
    pass


class ConsentEvent(models.Model):
    """One step of a subscriber's consent: sign-up, confirmation, change, withdrawal.

    Append-only: rows are never changed or deleted by the application. Erasure of the
    subscriber leaves the events with the address hash only (proof of consent and of
    its withdrawal).
    """

    class Kind(models.TextChoices):
        SIGNUP = "signup", _("Signed up")
        CONFIRM = "confirm", _("Confirmed")
        PREFERENCES = "preferences", _("Changed preferences")
        PAUSE = "pause", _("Paused")
        RESUME = "resume", _("Resumed")
        UNSUBSCRIBE = "unsubscribe", _("Unsubscribed")
        ERASURE = "erasure", _("Data erased")
        SUPPRESSED = "suppressed", _("Suppressed")

    subscriber = models.ForeignKey(
        Subscriber,
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_events",
    )
    email_hash = models.CharField(_("address hash"), max_length=64, db_index=True)
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("time"), auto_now_add=True)
    consent_text = models.ForeignKey(
        ConsentText,
        verbose_name=_("consent text shown"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=12, blank=True)
    source = models.CharField(_("source"), max_length=80, blank=True)
    ip = models.CharField(_("IP address"), max_length=64, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnly("consent events are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("consent events are never deleted")


class Suppression(models.Model):
    """An address hash we never send to (hard bounce, complaint, manual)."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        SOFT_BOUNCES = "soft_bounces", _("Repeated soft bounces")
        COMPLAINT = "complaint", _("Spam complaint")
        MANUAL = "manual", _("Added by a coordinator")

    email_hash = models.CharField(_("address hash"), max_length=64, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email_hash[:12]}… ({self.get_reason_display()})"
