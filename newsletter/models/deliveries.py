"""What was sent: editions frozen when sending starts, and the delivery ledger
(one row per issue and subscriber).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .issues import Issue
from .subscribers import Subscriber


class Edition(models.Model):
    """One language edition as it was sent (and as the archive shows it).

    ``html`` and ``text`` hold placeholders for the per-recipient links; the archive
    renders ``content`` (no personal data in it).
    """

    issue = models.ForeignKey(
        Issue,
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="editions",
    )
    language = models.CharField(_("language"), max_length=12)
    subject = models.CharField(_("subject"), max_length=200)
    html = models.TextField(_("HTML"))
    text = models.TextField(_("plain text"))
    content = models.JSONField(_("content"), default=dict)
    fallback_items = models.PositiveIntegerField(_("items shown in German"), default=0)
    html_bytes = models.PositiveIntegerField(_("HTML size (bytes)"), default=0)
    created_at = models.DateTimeField(_("rendered"), auto_now_add=True)

    class Meta:
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        ordering = ["issue", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "language"],
                name="newsletter_one_edition_per_language",
                violation_error_message=_("This issue already has that edition."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.issue} [{self.language}]"


class Delivery(models.Model):
    """One subscriber's copy of one issue: queued → sending → sent / failed /
    suppressed. A worker claims rows for a lease; a row is marked sent only after the
    SMTP server accepted it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")

    FINAL = (State.SENT, State.FAILED, State.SUPPRESSED)

    issue = models.ForeignKey(
        Issue,
        verbose_name=_("issue"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    subscriber = models.ForeignKey(
        Subscriber,
        verbose_name=_("subscriber"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    email_hash = models.CharField(_("address hash"), max_length=64)
    language = models.CharField(_("edition"), max_length=12)
    state = models.CharField(
        _("state"), max_length=20, choices=State.choices, default=State.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, editable=False, db_index=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    message_id = models.CharField(_("Message-ID"), max_length=200)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"],
                name="newsletter_one_delivery_per_subscriber",
                violation_error_message=_("This subscriber already has this issue."),
            )
        ]
        indexes = [models.Index(fields=["issue", "state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.issue_id}/{self.pk} {self.state}"
