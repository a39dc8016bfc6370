"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) that keeps what
it received and can be told to refuse messages.
"""

import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    to: list[str]
    raw: bytes

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    # address -> SMTP answer for RCPT TO (e.g. "550 5.1.1 no such user")
    refuse_rcpt: dict[str, str] = field(default_factory=dict)
    # answer MAIL FROM with this (e.g. "553 5.7.1 Sender not allowed")
    refuse_mail_from: str = ""
    # answer DATA with this (e.g. "451 4.3.0 try later") for the next N messages
    fail_data: str = ""
    fail_data_count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_mail_from:
            return self.refuse_mail_from
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.refuse_rcpt.get(address.lower())
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.fail_data_count > 0:
                self.fail_data_count -= 1
                return self.fail_data
            self.received.append(
                Received(to=list(envelope.rcpt_tos), raw=envelope.original_content)
            )
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self) -> None:
        self.handler = Handler()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            data_size_limit=50 * 1024 * 1024,
        )

    def start(self) -> "SmtpSink":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]
