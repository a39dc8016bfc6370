"""Single mails to one subscriber: confirmation, "you are already subscribed",
and their data (export).
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from . import links
from .models import Subscriber
from .services import subscriber_export_json

KINDS = ("confirm", "already_subscribed", "export")


def subscriber_mail_build(
    *, subscriber: Subscriber, kind: str
) -> EmailMultiAlternatives:
    """The mail in the subscriber's first chosen language."""
    if kind not in KINDS:
        raise ValueError(kind)
    language = (subscriber.languages or [settings.LANGUAGE_CODE])[0]
    with translation.override(language):
        context = {
            "language": language,
            "direction": "rtl" if translation.get_language_bidi() else "ltr",
            "confirm_url": links.confirm_url(subscriber, language),
            "preferences_url": links.preferences_url(subscriber, language),
            "days": settings.NEWSLETTER_CONFIRM_DAYS,
            "site_url": settings.SITE_URL,
        }
        subject = render_to_string(
            f"newsletter/email/{kind}_subject.txt", context
        ).strip()
        text = render_to_string(f"newsletter/email/{kind}.txt", context)
        html = render_to_string(f"newsletter/email/{kind}.html", context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.NEWSLETTER_FROM_EMAIL,
        to=[subscriber.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    if kind == "export":
        message.attach(
            "wegweiser-newsletter-data.json",
            subscriber_export_json(subscriber=subscriber),
            "application/json",
        )
    return message
