"""SMTP delivery that records an e-mail as sent at the one moment that cannot duplicate it.

An SMTP server takes responsibility for a message when it reads the final dot of DATA.
Recording "sent" after its answer would leave a window (the server's answer, our
commit) where a killed sender has delivered the e-mail without knowing it, and sends it
again later. So `send` calls `accepting` (which commits "sent") once the whole message
is written but before the final dot: a sender killed before that commit leaves an
unfinished message that the server discards (and the e-mail is sent again later); a
sender killed after it has nothing left to do but write five bytes.
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Callable
from contextlib import suppress
from urllib.parse import unquote, urlparse

from marketplace.domain.mail.message import OutgoingMessage


class _DotLast:
    """smtplib's DATA command, with `accepting()` called just before the final dot."""

    accepting: Callable[[], None]

    def data(self, msg: bytes) -> tuple[int, bytes]:
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        body = re.sub(rb"(?m)^\.", b"..", msg)  # dot-stuffing, as smtplib does
        self.send(body if body.endswith(b"\r\n") else body + b"\r\n")
        self.accepting()
        self.send(b".\r\n")
        return self.getreply()


class _SMTP(_DotLast, smtplib.SMTP):
    pass


class _SMTPS(_DotLast, smtplib.SMTP_SSL):
    pass


def send(smtp_url: str, message: OutgoingMessage, accepting: Callable[[], None]) -> None:
    """Send `message`; `accepting` runs before the final dot, and its errors abort the send.

    Raises OSError or SMTPException when the server refuses or goes away; after
    `accepting` ran, that means the server may or may not have the message.
    """
    url = urlparse(smtp_url)
    smtp_class = _SMTPS if url.scheme == "smtps" else _SMTP
    smtp = smtp_class(url.hostname or "127.0.0.1", url.port or 25, timeout=10)
    smtp.accepting = accepting
    finished = False
    try:
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        # The very bytes that were signed: send_message would write the message anew.
        options = ["SMTPUTF8", "BODY=8BITMIME"] if message.smtputf8 else []
        smtp.sendmail(message.sender, [message.recipient], message.data, mail_options=options)
        finished = True
    finally:
        if finished:
            with suppress(OSError, smtplib.SMTPException):
                smtp.quit()
        else:
            smtp.close()  # no QUIT: in DATA it would become part of an unfinished message
