"""Absolute links in newsletter mails (all from SITE_URL, one place)."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from . import tokens
from .models import Subscriber


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _reverse(name: str, language: str, *args) -> str:
    with translation.override(language):
        return absolute(reverse(name, args=args))


def confirm_url(subscriber: Subscriber, language: str) -> str:
    token = tokens.confirm_token(
        subscriber_uuid=subscriber.uuid, nonce=subscriber.confirm_nonce
    )
    return _reverse("newsletter-confirm", language, token)


def archive_url(language: str) -> str:
    return _reverse("newsletter-archive", language)


class RecipientLinks:
    """A subscriber's own links in a mail of one language: preference centre, the
    RFC 8058 one-click URL (no language prefix, so a POST is never redirected) and
    the mailto: fallback. The paths are reversed once per language and the token is
    signed once per subscriber (a worker builds thousands of these a minute).
    """

    _MARK = "TOKEN-MARK"

    def __init__(self, language: str) -> None:
        self.preferences = _reverse("newsletter-preferences", language, self._MARK)
        self.unsubscribe = absolute(
            reverse("newsletter-unsubscribe", args=[self._MARK])
        )
        self.mailto = (
            f"mailto:{settings.NEWSLETTER_UNSUBSCRIBE_EMAIL}"
            f"?subject=unsubscribe%20{self._MARK}"
        )

    def for_subscriber(self, subscriber: Subscriber) -> tuple[str, str, str]:
        """(preference centre URL, one-click unsubscribe URL, mailto URL)."""
        token = tokens.subscriber_token(subscriber.uuid)
        return (
            self.preferences.replace(self._MARK, token),
            self.unsubscribe.replace(self._MARK, token),
            self.mailto.replace(self._MARK, token),
        )


def preferences_url(subscriber: Subscriber, language: str) -> str:
    return RecipientLinks(language).for_subscriber(subscriber)[0]


def unsubscribe_url(subscriber: Subscriber) -> str:
    return RecipientLinks(settings.LANGUAGE_CODE).for_subscriber(subscriber)[1]
