"""An e-mail as it leaves: the headers inboxes look for, text and HTML, a DKIM signature.

Every message has `Date:` (when it leaves), `From:` MAIL_FROM and a Message-ID on
MAIL_FROM's domain (the same on every attempt). A buyer's e-mail about their order has
`Reply-To:` the selling venue, whose staff can answer; a mailing one can stop has
`List-Unsubscribe` with the one-click POST of RFC 8058. Text parts travel as
quoted-printable (7-bit safe: no relay rewrites them, so a DKIM signature survives).
With DKIM_PRIVATE_KEY and DKIM_SELECTOR set, the message is signed (relaxed/relaxed) for
MAIL_FROM's domain, so that receivers can tell it really comes from there.

A message that cannot be written (an address with a line break, say) raises
`UnwritableEmail` with a reason that names no person: the mailer marks it failed and goes
on with the next one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from pathlib import Path

import dkim
import dkim.crypto

from marketplace.domain.mail.models import OutboundEmail
from marketplace.domain.timeutil import to_paris
from marketplace.domain.validation import CONTROL_CHARACTERS

DEFAULT_MAIL_FROM = "Kiosque <billetterie@kiosque.example.org>"
# Signed when present; List-Unsubscribe-Post must be (RFC 8058), From always is.
SIGNED_HEADERS = ("From", "To", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version",
                  "Content-Type", "List-Unsubscribe", "List-Unsubscribe-Post")
# One mailbox, no display name, nothing a header could be split or widened with.
_ADDRESS = re.compile(rf"[^@\s<>,;:\"()\[\]\\{CONTROL_CHARACTERS}]{{1,64}}"
                      rf"@[^@\s<>,;:\"()\[\]\\{CONTROL_CHARACTERS}]+\.[a-zA-Z0-9-]{{2,}}")
_CONTROL_RUN = re.compile(rf"[{CONTROL_CHARACTERS}\s]+")


class UnwritableEmail(Exception):
    """The message cannot be written as it is; trying again would not help."""


@dataclass(frozen=True)
class MailSettings:
    """Who sends, and how messages are signed (MAIL_FROM, DKIM_PRIVATE_KEY, DKIM_SELECTOR)."""

    sender: str = DEFAULT_MAIL_FROM
    dkim_key: bytes | None = None
    dkim_selector: str | None = None

    @property
    def address(self) -> str:
        return parseaddr(self.sender)[1]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2].lower()


@dataclass(frozen=True)
class OutgoingMessage:
    """The bytes to hand to the SMTP server, and its envelope."""

    sender: str
    recipient: str
    data: bytes
    smtputf8: bool  # an address outside ASCII: the server must accept SMTPUTF8


def mail_settings(config: Mapping) -> MailSettings:
    """The settings of the app's config; ValueError when MAIL_FROM or the DKIM key cannot work."""
    return _settings(config.get("MAIL_FROM") or DEFAULT_MAIL_FROM,
                     config.get("DKIM_PRIVATE_KEY") or None, config.get("DKIM_SELECTOR") or None)


@lru_cache(maxsize=8)
def _settings(sender: str, key: str | None, selector: str | None) -> MailSettings:
    address = parseaddr(sender)[1]
    if not _ADDRESS.fullmatch(address) or not address.isascii() \
            or re.search(f"[{CONTROL_CHARACTERS}]", sender):
        raise ValueError(f"MAIL_FROM must read like {DEFAULT_MAIL_FROM!r}, not {sender!r}.")
    if (key is None) != (selector is None):
        raise ValueError("DKIM signing needs both DKIM_PRIVATE_KEY and DKIM_SELECTOR.")
    pem = None
    if key is not None:
        if not re.fullmatch(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*", selector):
            raise ValueError(f"DKIM_SELECTOR is not a DNS label: {selector!r}.")
        pem = _pem(key)
        try:
            dkim.crypto.parse_pem_private_key(pem)
        except dkim.crypto.UnparsableKeyError as error:
            raise ValueError(f"DKIM_PRIVATE_KEY is not an RSA private key: {error}") from None
    return MailSettings(sender=sender, dkim_key=pem, dkim_selector=selector)


def _pem(key: str) -> bytes:
    """The key itself (PEM, in the variable, `\\n` allowed for line breaks) or a file's."""
    if "-----BEGIN" in key:
        return key.replace("\\n", "\n").encode()
    try:
        return Path(key).read_bytes()
    except OSError as error:
        raise ValueError(f"DKIM_PRIVATE_KEY: cannot read {key}: {error.strerror}") from None


def message_id(email: OutboundEmail, domain: str) -> str:
    """The same Message-ID on every attempt at one e-mail, unique to it."""
    digest = hashlib.sha256(f"{email.dedup_key}|{email.created_at.isoformat()}".encode())
    return f"<{digest.hexdigest()[:32]}@{domain}>"


def one_line(text: str) -> str:
    """`text` on one line: runs of whitespace and control characters become one space."""
    return _CONTROL_RUN.sub(" ", text).strip()


def build_message(email: OutboundEmail, settings: MailSettings, now: datetime) -> OutgoingMessage:
    """The e-mail as it leaves at `now`; UnwritableEmail when it cannot be written."""
    recipient = email.to_address or ""
    if not _ADDRESS.fullmatch(recipient):
        raise UnwritableEmail("the recipient's address cannot be written in a header")
    smtputf8 = not recipient.isascii()
    message = EmailMessage(policy=policy.SMTPUTF8 if smtputf8 else policy.SMTP)
    message["Date"] = format_datetime(to_paris(now))
    message["From"] = settings.sender
    message["To"] = recipient
    # An old title with a line break (refused since) is sent on one line, not dropped.
    message["Subject"] = one_line(email.subject)
    message["Message-ID"] = message_id(email, settings.domain)
    if email.reply_to and _ADDRESS.fullmatch(email.reply_to):
        message["Reply-To"] = email.reply_to
    if email.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{one_line(email.unsubscribe_url)}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(email.body_text, cte="quoted-printable")
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html", cte="quoted-printable")
    data = message.as_bytes()
    if settings.dkim_key is not None:
        present = [name.lower().encode() for name in SIGNED_HEADERS if name in message]
        data = dkim.sign(data, settings.dkim_selector.encode(), settings.domain.encode(),
                         settings.dkim_key, include_headers=present,
                         canonicalize=(b"relaxed", b"relaxed")) + data
    return OutgoingMessage(sender=settings.address, recipient=recipient, data=data,
                           smtputf8=smtputf8)
