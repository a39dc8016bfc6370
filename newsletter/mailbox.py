"""A local SMTP sink for development: every message it receives becomes an .eml file
that the admin mailbox page lists and shows, so nobody needs a mail account to follow
what the site sends."""

import logging
import os
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings

logger = logging.getLogger(__name__)

# Enough for a few test issues to a demo list; older messages are deleted.
MAILBOX_KEEP = 2000
# <nanoseconds since the epoch, fixed width>-<random>.eml: names sort by arrival.
_NAME = re.compile(r"^(\d{20})-[0-9a-f]{6}\.eml$")


class MailboxMessageNotFound(Exception):
    """No message of that name (never stored, pruned, or not a mailbox name)."""


@dataclass(frozen=True)
class MailboxEntry:
    """One line of the listing."""

    name: str
    received: datetime
    sender: str
    recipients: str
    subject: str
    size: int


@dataclass(frozen=True)
class MailboxMessage:
    """One message as the mailbox page shows it."""

    entry: MailboxEntry
    headers: list[tuple[str, str]]
    text: str
    html: str
    list_unsubscribe: str
    list_unsubscribe_post: str
    attachments: list[str]


def mailbox_directory() -> Path | None:
    """The directory the admin mailbox page shows; None when the page is off.

    ``NEWSLETTER_MAILBOX_DIR`` is set by ``make run`` only; empty or missing = off.
    """
    value = getattr(settings, "NEWSLETTER_MAILBOX_DIR", "")
    return Path(value) if value else None


def mailbox_default_directory() -> Path:
    """Where ``newsletter_mailbox`` stores messages when not told otherwise."""
    return mailbox_directory() or Path(settings.VAR_DIR) / "mailbox"


def _names_oldest_first(directory: Path) -> list[str]:
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        return []
    with entries:
        return sorted(e.name for e in entries if _NAME.match(e.name) and e.is_file())


class MailboxStore:
    """Writes messages as files and deletes the oldest beyond ``keep``.

    One store per directory and process: it remembers the names it knows so
    pruning does not rescan the directory for every message.
    """

    def __init__(self, directory: Path, *, keep: int = MAILBOX_KEEP) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.directory = Path(directory)
        self.keep = keep
        self.directory.mkdir(parents=True, exist_ok=True)
        self._names = deque(_names_oldest_first(self.directory))
        self._last_ns = 0
        self._prune()

    def add(self, content: bytes, *, mail_from: str, rcpt_tos: list[str]) -> str:
        """Store one message (envelope sender and recipients as the first headers)
        and return its file name. The file appears whole or not at all."""
        # Names must grow even if two messages arrive within the clock's resolution.
        self._last_ns = max(time.time_ns(), self._last_ns + 1)
        name = f"{self._last_ns:020d}-{secrets.token_hex(3)}.eml"
        envelope = (
            f"X-MailFrom: {mail_from}\r\nX-RcptTo: {', '.join(rcpt_tos)}\r\n"
        ).encode()
        partial = self.directory / f".{name}.part"
        partial.write_bytes(envelope + content)
        os.replace(partial, self.directory / name)
        self._names.append(name)
        self._prune()
        return name

    def _prune(self) -> None:
        while len(self._names) > self.keep:
            (self.directory / self._names.popleft()).unlink(missing_ok=True)


class MailboxHandler:
    """aiosmtpd handler: accepts every message for every recipient and stores it."""

    def __init__(self, store: MailboxStore) -> None:
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        content = envelope.original_content or envelope.content
        name = self.store.add(
            content, mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos)
        )
        # No addresses in logs, not even here: the admin page shows them.
        logger.info("Mailbox: %s for %d recipient(s)", name, len(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class MailboxServer:
    """The SMTP sink on host:port, running in a background thread.

    ``start()`` returns once the port accepts connections and raises the server's
    error (e.g. the port is taken) otherwise; ``stop()`` closes it.
    """

    def __init__(
        self,
        *,
        directory: Path,
        host: str = "127.0.0.1",
        port: int = 1025,
        keep: int = MAILBOX_KEEP,
    ) -> None:
        self.directory = Path(directory)
        self.host = host
        self.port = port
        self.store = MailboxStore(self.directory, keep=keep)
        self._controller = Controller(
            MailboxHandler(self.store),
            hostname=host,
            port=port,
            # Accept what any sender may use; this server only stores.
            enable_SMTPUTF8=True,
        )

    def start(self) -> "MailboxServer":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> "MailboxServer":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# --- Reading, for the admin page --------------------------------------------------


def _path(directory: Path, name: str) -> Path:
    if not _NAME.match(name):
        raise MailboxMessageNotFound(name)
    return Path(directory) / name


def _received(name: str) -> datetime:
    ns = int(name.split("-", 1)[0])
    return datetime.fromtimestamp(ns / 1e9, tz=UTC)


def _entry(name: str, message: EmailMessage, size: int) -> MailboxEntry:
    return MailboxEntry(
        name=name,
        received=_received(name),
        sender=str(message.get("From", "") or message.get("X-MailFrom", "")),
        # The envelope says who really got it (Bcc included); the header may not.
        recipients=str(message.get("X-RcptTo", "") or message.get("To", "")),
        subject=str(message.get("Subject", "")),
        size=size,
    )


def _parse(raw: bytes, *, headersonly: bool = False) -> EmailMessage:
    return BytesParser(policy=policy.default).parsebytes(raw, headersonly=headersonly)


def mailbox_names(*, directory: Path) -> list[str]:
    """File names of the stored messages, newest first."""
    return _names_oldest_first(Path(directory))[::-1]


def mailbox_raw(*, directory: Path, name: str) -> bytes:
    """The stored file: X-MailFrom and X-RcptTo, then the message as received.

    Raises ``MailboxMessageNotFound``.
    """
    try:
        return _path(directory, name).read_bytes()
    except FileNotFoundError as error:
        raise MailboxMessageNotFound(name) from error


def mailbox_entry(*, directory: Path, name: str) -> MailboxEntry:
    """Time, sender, recipients, subject and size of one message (headers only).

    Raises ``MailboxMessageNotFound``.
    """
    raw = mailbox_raw(directory=directory, name=name)
    header_end = raw.find(b"\r\n\r\n")
    headers = raw if header_end < 0 else raw[: header_end + 4]
    return _entry(name, _parse(headers, headersonly=True), len(raw))


def mailbox_list(
    *, directory: Path, offset: int = 0, limit: int | None = None
) -> list[MailboxEntry]:
    """Stored messages, newest first; ``offset``/``limit`` page through them.

    A message pruned while the list is read is left out.
    """
    names = mailbox_names(directory=directory)
    stop = None if limit is None else offset + limit
    entries = []
    for name in names[offset:stop]:
        try:
            entries.append(mailbox_entry(directory=directory, name=name))
        except MailboxMessageNotFound:
            continue
    return entries


def _text(part) -> str:
    try:
        return part.get_content()
    except LookupError:  # a charset Python does not know
        return part.get_payload(decode=True).decode("utf-8", errors="replace")


def mailbox_read(*, directory: Path, name: str) -> MailboxMessage:
    """Headers, text part and HTML part of one message.

    Raises ``MailboxMessageNotFound``.
    """
    raw = mailbox_raw(directory=directory, name=name)
    message = _parse(raw)
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    return MailboxMessage(
        entry=_entry(name, message, len(raw)),
        headers=[(key, str(value)) for key, value in message.items()],
        text=_text(text_part) if text_part is not None else "",
        html=_text(html_part) if html_part is not None else "",
        list_unsubscribe=str(message.get("List-Unsubscribe", "")),
        list_unsubscribe_post=str(message.get("List-Unsubscribe-Post", "")),
        attachments=[
            part.get_filename() or part.get_content_type()
            for part in message.iter_attachments()
        ],
    )
