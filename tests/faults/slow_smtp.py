"""A slow SMTP server (aiosmtpd) that tells where each conversation is, to kill senders there.

It is slow at two moments: answering RCPT (before the message is sent: a sender killed
then has sent nothing) and answering the final dot (the whole message is in: a real
server has accepted and spooled it, whether the sender lives to read the answer or not).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

from tests.smtp_server import free_port


class SlowCollector:
    def __init__(self, rcpt_delay: float, data_delay: float) -> None:
        self.rcpt_delay, self.data_delay = rcpt_delay, data_delay
        self.messages: list[Message] = []
        self.in_rcpt = threading.Event()
        self.in_data = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
        self.in_rcpt.set()
        await asyncio.sleep(self.rcpt_delay)
        self.in_rcpt.clear()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # Received in full: from here on the message is delivered, answer or not.
        self.messages.append(message_from_bytes(envelope.original_content))
        self.in_data.set()
        await asyncio.sleep(self.data_delay)
        self.in_data.clear()
        return "250 OK"


@contextmanager
def slow_smtp_server(rcpt_delay: float = 0.05,
                     data_delay: float = 0.15) -> Iterator[tuple[str, SlowCollector]]:
    """Yield (smtp_url, collector) while the slow server runs."""
    collector = SlowCollector(rcpt_delay, data_delay)
    port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", collector
    finally:
        controller.stop()
