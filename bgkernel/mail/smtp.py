"""SMTP in both directions: a local receiver (aiosmtpd) and a sender (smtplib).

``SMTPReceiver`` runs an aiosmtpd ``Controller`` on its own thread and event
loop.  It binds its listening socket itself before the controller starts
(aiosmtpd 1.4.6 cannot start on port 0: it connects to the configured port to
check readiness), so ``port=None`` picks a free port with no race.

The callbacks run on the receiver's thread, one message at a time and in the
order the messages arrive.  A callback that raises makes the SMTP reply a
temporary failure (451), so the sender knows, and the exception is kept in
``SMTPReceiver.errors``.
"""
from __future__ import annotations

import smtplib
import socket
import threading
from typing import Any, Awaitable, Callable, Iterable

__all__ = ["SMTPReceiver", "deliver_smtp", "REFUSED_REPLY"]

REFUSED_REPLY = "550 5.1.1 Mailbox unavailable"
ACCEPTED_REPLY = "250 Message accepted for delivery"
DEFAULT_SIZE_LIMIT = 50 * 1024 * 1024

Accept = Callable[[str], bool]
Deliver = Callable[[bytes, list[str], "str | None"], None]
OnRefused = Callable[[str, "str | None"], None]


class SMTPReceiver:
    """A loopback SMTP server that hands each accepted message to ``deliver``.

    ``accept(address)`` decides each RCPT TO; a refused address gets
    ``550 5.1.1 Mailbox unavailable`` and is reported to ``on_refused(address,
    mail_from)``.  ``deliver(raw_bytes, rcpt_list, mail_from)`` receives each
    message exactly as sent (CRLF line ends, dot-stuffing removed).
    """

    def __init__(self, accept: Accept, deliver: Deliver, host: str = "127.0.0.1",
                 port: int | None = None, *, on_refused: OnRefused | None = None,
                 data_size_limit: int = DEFAULT_SIZE_LIMIT,
                 server_hostname: str = "bgkernel.local"):
        self._accept = accept
        self._deliver = deliver
        self._on_refused = on_refused
        self._requested = (host, port)
        self._size_limit = data_size_limit
        self._server_hostname = server_hostname
        self._controller: Any = None
        self._lock = threading.Lock()
        self.errors: list[BaseException] = []
        self.host = host
        self.port = port

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> "SMTPReceiver":
        with self._lock:
            if self._controller is not None:
                return self
            sock = _listening_socket(*self._requested)
            self.host, self.port = sock.getsockname()[:2]
            controller = _controller_class()(
                _Handler(self), sock, server_hostname=self._server_hostname,
                data_size_limit=self._size_limit)
            try:
                controller.start()
            except BaseException:
                controller.stop(no_assert=True)
                sock.close()
                raise
            self._controller = controller
        return self

    def close(self) -> None:
        with self._lock:
            controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    @property
    def running(self) -> bool:
        return self._controller is not None

    def __enter__(self) -> "SMTPReceiver":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SMTPReceiver {self.host}:{self.port} {state}>"

    # ---------------------------------------------------------------- callbacks
    def _check_recipient(self, address: str, mail_from: str | None) -> str:
        try:
            accepted = self._accept(address)
        except Exception as exc:
            self.errors.append(exc)
            return "451 4.3.0 Recipient check failed"
        if accepted:
            return "250 OK"
        if self._on_refused is not None:
            try:
                self._on_refused(address, mail_from)
            except Exception as exc:
                self.errors.append(exc)
        return REFUSED_REPLY

    def _take(self, raw: bytes, rcpt_tos: list[str], mail_from: str | None) -> str:
        try:
            self._deliver(raw, rcpt_tos, mail_from)
        except Exception as exc:
            self.errors.append(exc)
            return "451 4.3.0 Delivery failed; try again later"
        return ACCEPTED_REPLY


class _Handler:
    """The aiosmtpd hooks, forwarding to the receiver's plain methods."""

    def __init__(self, receiver: SMTPReceiver):
        self.receiver = receiver

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        reply = self.receiver._check_recipient(address, envelope.mail_from)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content
        if raw is None:
            raw = envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        return self.receiver._take(bytes(raw), list(envelope.rcpt_tos), envelope.mail_from)


_CONTROLLER: Any = None


def _controller_class() -> Any:
    """An aiosmtpd Controller that serves on a socket bound beforehand (so port 0 works).
    aiosmtpd (and asyncio with it) is imported when a receiver first starts, not with bgkernel."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from aiosmtpd.controller import Controller

        class SocketController(Controller):
            def __init__(self, handler: Any, sock: socket.socket, **kwargs: Any):
                host, port = sock.getsockname()[:2]
                super().__init__(handler, hostname=host, port=port, **kwargs)
                self._sock = sock

            def _create_server(self) -> Awaitable[Any]:
                return self.loop.create_server(self._factory_invoker, sock=self._sock,
                                               ssl=self.ssl_context)

        _CONTROLLER = SocketController
    return _CONTROLLER


def _listening_socket(host: str, port: int | None) -> socket.socket:
    family = socket.getaddrinfo(host, port or 0, type=socket.SOCK_STREAM)[0][0]
    return socket.create_server((host, port or 0), family=family)


def deliver_smtp(message_bytes: bytes, host: str, port: int, sender: str,
                 recipients: Iterable[str], timeout: float = 10, starttls: bool = False,
                 username: str | None = None, password: str | None = None,
                 ) -> dict[str, tuple[int, bytes]]:
    """Send one message with smtplib.  Raises on failure (``smtplib.SMTPException``
    or ``OSError``); when every recipient is refused that is
    ``SMTPRecipientsRefused``.  Returns the recipients refused while others
    were accepted (usually ``{}``).
    """
    rcpts = [r for r in recipients if r]
    if not rcpts:
        raise smtplib.SMTPRecipientsRefused({})
    with smtplib.SMTP(host, port, timeout=timeout, local_hostname="localhost") as client:
        if starttls:
            client.starttls()
        if username is not None:
            client.login(username, password or "")
        return client.sendmail(sender, rcpts, message_bytes)
