"""Signed tokens in newsletter links: confirmation (expires, single sign-up) and
the subscriber's own links (preference centre, unsubscribe).
"""

from django.conf import settings
from django.core import signing

CONFIRM_SALT = "newsletter.confirm"
SUBSCRIBER_SALT = "newsletter.subscriber"


class InvalidToken(Exception):
    """The link was altered, belongs to an older sign-up or to nobody."""


class ExpiredToken(InvalidToken):
    """The confirmation link is older than NEWSLETTER_CONFIRM_DAYS."""


def confirm_token(*, subscriber_uuid, nonce: str) -> str:
    return signing.dumps([subscriber_uuid.hex, nonce], salt=CONFIRM_SALT)


def confirm_token_read(token: str) -> tuple[str, str]:
    """(subscriber uuid hex, nonce); raises ExpiredToken or InvalidToken."""
    try:
        value = signing.loads(
            token, salt=CONFIRM_SALT, max_age=settings.NEWSLETTER_CONFIRM_DAYS * 86400
        )
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise InvalidToken from error
    if not (isinstance(value, list) and len(value) == 2):
        raise InvalidToken
    return str(value[0]), str(value[1])


def subscriber_token(subscriber_uuid) -> str:
    return signing.dumps(subscriber_uuid.hex, salt=SUBSCRIBER_SALT)


def subscriber_token_read(token: str) -> str:
    """The subscriber uuid hex; raises InvalidToken."""
    try:
        value = signing.loads(token, salt=SUBSCRIBER_SALT)
    except (signing.BadSignature, ValueError, UnicodeError) as error:
        raise InvalidToken from error
    if not isinstance(value, str):
        raise InvalidToken
    return value
