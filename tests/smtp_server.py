"""A real SMTP server on 127.0.0.1 (aiosmtpd) for tests that send email.

API (reuse it; nothing here mocks Django's email):

    from tests.smtp_server import smtp_server  # noqa: F401  (the fixture)

    def test_x(smtp_server):           # started, and Django's SMTP backend points at it
        ...
        [received] = smtp_server.wait_for(1)          # blocks up to `timeout` s for that many messages
        received.rcpt_tos                             # envelope recipients, e.g. ["qa@example.com"]
        received.message                              # email.message.EmailMessage (policy.default)
        received.message["Subject"], received.text, received.html, received.attachments
        smtp_server.to("qa@example.com")              # the messages whose envelope included that address
        smtp_server.refuse("x@example.com", code=550) # RCPT TO for it answered 550 from now on
        smtp_server.fail("x@example.com", times=2, code=451)  # the next 2 RCPT TOs for it get 451
        smtp_server.url                               # "smtp://127.0.0.1:<port>" (an EMAIL_URL)
        smtp_server.worker_env(env)                   # env for a worker subprocess: sends here too

    with SmtpServer() as server: ...                  # without pytest-django's `settings`
"""
from __future__ import annotations

import email
import socket
import threading
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage = field(init=False)

    def __post_init__(self):
        self.message = email.message_from_bytes(self.raw, policy=policy.default)

    @property
    def subject(self) -> str:
        # Django folds a non-ASCII subject onto a continuation line ("Subject: \r\n =?utf-8?b?...");
        # unfolding leaves a leading space that mail clients do not show.
        return str(self.message["Subject"]).strip()

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))  # line ends as written (SMTP carries CRLF)
        return body.get_content().replace("\r\n", "\n") if body is not None else ""

    @property
    def html(self) -> str:
        body = self.message.get_body(("html",))
        return body.get_content().replace("\r\n", "\n") if body is not None else ""

    @property
    def attachments(self) -> dict[str, bytes]:
        return {part.get_filename(): part.get_content() for part in self.message.iter_attachments()}


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.server._answer_for(address)
        if answer:
            return answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = Received(mail_from=envelope.mail_from, rcpt_tos=list(envelope.rcpt_tos),
                            raw=bytes(envelope.original_content or envelope.content))
        with self.server._lock:
            self.server.messages.append(received)
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = _free_port(host)
        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._refused: dict[str, str] = {}
        self._failing: dict[str, list] = {}  # address -> [times left, answer]
        self.rcpt_log: list[tuple[str, str]] = []  # (address, answer) for every RCPT TO
        self._controller = Controller(_Handler(self), hostname=host, port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    def start(self) -> SmtpServer:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def refuse(self, address: str, *, code: int = 550, text: str = "5.1.1 Mailbox unavailable") -> None:
        with self._lock:
            self._refused[address.lower()] = f"{code} {text}"

    def fail(self, address: str, *, times: int = 1, code: int = 451,
             text: str = "4.3.0 Try again later") -> None:
        with self._lock:
            self._failing[address.lower()] = [times, f"{code} {text}"]

    def _answer_for(self, address: str) -> str | None:
        key = address.lower()
        with self._lock:
            answer = self._refused.get(key)
            failing = self._failing.get(key)
            if answer is None and failing and failing[0] > 0:
                failing[0] -= 1
                answer = failing[1]
            self.rcpt_log.append((address, answer or "250 OK"))
        return answer

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if address.lower() in (r.lower() for r in m.rcpt_tos)]

    def wait_for(self, count: int, *, timeout: float = 10) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        raise AssertionError(f"timed out after {timeout} s waiting for {count} message(s); "
                             f"got {len(self.messages)}")

    def configure_django(self, settings) -> None:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = self.host, self.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 10

    def worker_env(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, "QMS_TEST_EMAIL_URL": self.url}


def _free_port(host: str) -> int:
    with socket.socket() as probe:  # aiosmtpd's start-up check cannot use port 0
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    server = SmtpServer().start()
    server.configure_django(settings)
    yield server
    server.stop()
