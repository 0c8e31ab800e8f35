"""The e-mails account services send, composed by the caller (the web layer renders them).

Services decide *whether* and *to whom* an e-mail goes, inside their transaction; a
`ComposeEmail` callable given by the caller turns a kind and its context into words,
so that the domain needs neither templates nor URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str | None = None


class ComposeEmail(Protocol):
    def __call__(self, kind: str, **context: Any) -> Email:
        """The e-mail of `kind` ("password_reset", "invitation", "added_to_venue")."""
