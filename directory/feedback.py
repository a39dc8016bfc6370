"""Accessibility feedback (BITV 2.0): the form on the accessibility statement,
storing what a reader sent, and mailing it to the coordinators.

What a reader sends is stored first; the mail follows in a task after the commit.
A mail server that is down costs the reader nothing: the feedback stays unmailed
and the task tries again later (``feedback_mails_send``).
"""

import logging
import smtplib
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from operations import ratelimit

from .models import AccessibilityFeedback
from .models.site import (
    FEEDBACK_MESSAGE_MAX,
    FEEDBACK_NAME_MAX,
    FEEDBACK_PAGE_URL_MAX,
)
from .permissions import REPORTS_PERMISSION
from .services import admin_language

log = logging.getLogger(__name__)

# A feedback whose mail failed this often is left for the admin list (where every
# feedback is shown anyway); a mail server down for hours is retried until then.
MAIL_ATTEMPTS_MAX = 10
RETRY_AFTER = timedelta(minutes=10)


class FeedbackForm(forms.Form):
    """What a reader may send; ``website`` is a field for bots only."""

    message = forms.CharField(
        label=_("What did not work for you?"),
        help_text=_(
            "For example: a button you could not reach, a text you could not read."
        ),
        max_length=FEEDBACK_MESSAGE_MAX,
        # No maxlength attribute: a browser would cut pasted text without a word.
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    page_url = forms.CharField(
        label=_("Which page is it about? (optional)"),
        max_length=FEEDBACK_PAGE_URL_MAX,
        required=False,
    )
    name = forms.CharField(
        label=_("Your name (optional)"), max_length=FEEDBACK_NAME_MAX, required=False
    )
    email = forms.EmailField(
        label=_("Your email address, if you want an answer (optional)"),
        required=False,
    )
    website = forms.CharField(
        label=_("Leave this field empty"), required=False, max_length=200
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "feedback-%s")
        super().__init__(*args, **kwargs)
        self.fields["message"].widget.attrs.pop("maxlength", None)
        self.fields["message"].error_messages["max_length"] = _(
            "Please shorten your message to %(limit_value)d characters "
            "(it has %(show_value)d)."
        )

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.data.get("website", "").strip())


def referring_path(request) -> str:
    """The path of the page of this site the reader came from (empty if none)."""
    referer = request.headers.get("Referer", "")
    parts = urlsplit(referer)
    if not referer or parts.netloc != request.get_host():
        return ""
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return path[:FEEDBACK_PAGE_URL_MAX]


def feedback_allowed(*, ip: str | None) -> bool:
    """Counts one submission from ``ip``; False beyond
    ``DIRECTORY_FEEDBACK_PER_HOUR`` in the current hour.
    """
    return ratelimit.allow(
        f"directory-feedback:{ip or 'unknown'}",
        limit=settings.DIRECTORY_FEEDBACK_PER_HOUR,
        seconds=3600,
    )


def feedback_submit(
    *, message: str, name: str, email: str, page_url: str, language: str
) -> AccessibilityFeedback:
    """Stores a reader's feedback and, after the commit, queues the mail to the
    coordinators. Never fails because of the mail or the task queue.
    """
    feedback = AccessibilityFeedback(
        message=message.strip(),
        name=name.strip(),
        email=email.strip(),
        page_url=page_url.strip(),
        language=language,
    )
    feedback.full_clean()
    feedback.save()
    transaction.on_commit(_mails_enqueue)
    return feedback


def _mails_enqueue(*, at=None) -> None:
    from .tasks import feedback_mails_send_task

    try:
        if at is None:
            feedback_mails_send_task.enqueue()
        elif feedback_mails_send_task.get_backend().supports_defer:
            feedback_mails_send_task.using(run_after=at).enqueue()
        else:
            log.info("the task backend runs no deferred tasks: mail retry skipped")
    except Exception:  # the feedback is stored; the reader must not see a failure
        log.exception("could not enqueue the feedback mail; it stays pending")


def feedback_recipients() -> list[tuple[str, str]]:
    """(address, language) of everyone the feedback goes to: active coordinators
    with an address (in their admin language), and ``DIRECTORY_FEEDBACK_EMAIL``.
    """
    users = (
        get_user_model()
        .objects.with_perm(
            REPORTS_PERMISSION,
            is_active=True,
            include_superusers=False,
            backend="django.contrib.auth.backends.ModelBackend",
        )
        .exclude(email="")
        .order_by("pk")
    )
    recipients = {
        user.email.lower(): (user.email, admin_language(user)) for user in users
    }
    for address in settings.DIRECTORY_FEEDBACK_EMAIL:
        recipients.setdefault(address.lower(), (address, settings.LANGUAGE_CODE))
    return list(recipients.values())


def feedback_mails_send(*, limit: int = 100) -> dict[str, int]:
    """Mails the stored feedback not mailed yet (oldest first) to
    ``feedback_recipients``; a feedback is marked mailed once the server took it.

    SMTP trouble never raises: that feedback counts one more attempt and stays
    pending. Two runs at once never mail the same feedback (its row is locked while
    it is mailed). Returns counts: sent, failed, pending (left for a later run).
    """
    counts = {"sent": 0, "failed": 0, "pending": 0}
    pending = AccessibilityFeedback.objects.filter(
        mailed_at__isnull=True, mail_attempts__lt=MAIL_ATTEMPTS_MAX
    ).order_by("created_at")
    ids = list(pending.values_list("pk", flat=True)[:limit])
    recipients = feedback_recipients()
    if not recipients:
        if ids:
            log.warning(
                "accessibility feedback waits: no coordinator has an email address "
                "and DIRECTORY_FEEDBACK_EMAIL is empty"
            )
        counts["pending"] = len(ids)
        return counts
    mail_connection = get_connection()
    for pk in ids:
        with transaction.atomic():
            rows = AccessibilityFeedback.objects.filter(pk=pk, mailed_at__isnull=True)
            if connection.features.has_select_for_update_skip_locked:
                rows = rows.select_for_update(skip_locked=True)
            feedback = rows.first()
            if feedback is None:
                continue
            try:
                _feedback_mail(feedback, recipients, connection=mail_connection)
            except (smtplib.SMTPException, OSError) as error:
                log.warning("accessibility feedback %s not mailed: %s", pk, error)
                _attempt_count(pk)
                counts["failed"] += 1
                continue
            _attempt_count(pk, mailed=True)
            counts["sent"] += 1
    counts["pending"] = counts["failed"]
    return counts


def _attempt_count(pk: int, *, mailed: bool = False) -> None:
    fields: dict[str, Any] = {"mail_attempts": F("mail_attempts") + 1}
    if mailed:
        fields["mailed_at"] = timezone.now()
    AccessibilityFeedback.objects.filter(pk=pk).update(**fields)


def _feedback_mail(feedback, recipients, *, connection) -> None:
    admin_url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "directory_feedback:edit", args=[feedback.pk]
    )
    page_url = feedback.page_url
    if page_url.startswith("/"):
        page_url = settings.SITE_URL + page_url
    by_language: dict[str, list[str]] = {}
    for address, language in recipients:
        by_language.setdefault(language, []).append(address)
    messages = []
    for language, addresses in by_language.items():
        with translation.override(language):
            context = {
                "feedback": feedback,
                "admin_url": admin_url,
                "page_url": page_url,
            }
            subject = render_to_string(
                "directory/email/accessibility_feedback_subject.txt", context
            ).strip()
            body = render_to_string(
                "directory/email/accessibility_feedback.txt", context
            )
        messages.append(
            EmailMessage(
                subject=" ".join(subject.split()),
                body=body,
                to=addresses,
                reply_to=[feedback.email] if feedback.email else None,
                connection=connection,
            )
        )
    connection.send_messages(messages)


def feedback_mails_retry_later() -> None:
    """Queue another run after ``RETRY_AFTER`` (a backend that cannot wait: the
    next feedback's run takes the pending ones along)."""
    _mails_enqueue(at=timezone.now() + RETRY_AFTER)
