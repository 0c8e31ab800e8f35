"""Signed links the jobs put in e-mails (no request: the base URL and key come from config)."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

FEEDBACK_SALT = "kiosque-feedback"
UNSUBSCRIBE_SALT = "kiosque-watch-unsubscribe"
DIGESTS_SALT = "kiosque-digests-stop"
UNFOLLOW_SALT = "kiosque-follow-stop"
WAITLIST_SALT = "kiosque-waitlist-entry"


@dataclass(frozen=True)
class MailLinks:
    base_url: str
    secret_key: str

    def _signer(self, salt: str) -> URLSafeSerializer:
        return URLSafeSerializer(self.secret_key, salt=salt)

    def feedback_token(self, order_id: str) -> str:
        return self._signer(FEEDBACK_SALT).dumps(order_id)

    def feedback_order(self, token: str) -> str | None:
        """The order id a feedback token stands for, or None when it was not ours."""
        try:
            return self._signer(FEEDBACK_SALT).loads(token)
        except BadSignature:
            return None

    def feedback_url(self, order_id: str, rating: int | None = None) -> str:
        url = f"{self.base_url}/avis/{self.feedback_token(order_id)}"
        return f"{url}?note={rating}" if rating else url

    def unsubscribe_token(self, watch_id: int) -> str:
        return self._signer(UNSUBSCRIBE_SALT).dumps(watch_id)

    def unsubscribed_watch(self, token: str) -> int | None:
        try:
            watch_id = self._signer(UNSUBSCRIBE_SALT).loads(token)
        except BadSignature:
            return None
        return watch_id if isinstance(watch_id, int) else None

    def unsubscribe_url(self, watch_id: int) -> str:
        return f"{self.base_url}/alertes/{self.unsubscribe_token(watch_id)}/desabonner"

    def digests_user(self, token: str) -> int | None:
        """The staff member a digests link stands for, or None when it was not ours."""
        try:
            user_id = self._signer(DIGESTS_SALT).loads(token)
        except BadSignature:
            return None
        return user_id if isinstance(user_id, int) else None

    def digests_stop_url(self, user_id: int) -> str:
        """Where one stops (one click, RFC 8058) or resumes the digests of this person."""
        return f"{self.base_url}/resumes/{self._signer(DIGESTS_SALT).dumps(user_id)}/arreter"

    def unfollow_url(self, follow_id: int) -> str:
        """Where one stops following a venue (one click, RFC 8058)."""
        return f"{self.base_url}/suivis/{self._signer(UNFOLLOW_SALT).dumps(follow_id)}/arreter"

    def unfollowed(self, token: str) -> int | None:
        """The follow an unfollow link stands for, or None when it was not ours."""
        try:
            follow_id = self._signer(UNFOLLOW_SALT).loads(token)
        except BadSignature:
            return None
        return follow_id if isinstance(follow_id, int) else None

    def confirm_follow_url(self, token: str) -> str:
        return f"{self.base_url}/suivis/{token}/confirmer"

    def waitlist_token(self, entry_id: int) -> str:
        """The token that opens (and leaves) one waiting-list entry."""
        return self._signer(WAITLIST_SALT).dumps(entry_id)

    def waitlist_entry(self, token: object) -> int | None:
        """The entry a waiting-list token stands for, or None when it was not ours."""
        if not isinstance(token, str) or len(token) > 200:
            return None
        try:
            entry_id = self._signer(WAITLIST_SALT).loads(token)
        except BadSignature:
            return None
        return entry_id if isinstance(entry_id, int) else None

    def waitlist_url(self, entry_id: int) -> str:
        """The entry's page: its place in line, and the one-click way out."""
        return f"{self.base_url}/liste-attente/{entry_id}?token={self.waitlist_token(entry_id)}"

    def checkout_url(self, hold_id: str) -> str:
        return f"{self.base_url}/checkout/{hold_id}"

    def confirm_url(self, token: str) -> str:
        return f"{self.base_url}/alertes/{token}/confirmer"

    def offer_url(self, offer_id: int) -> str:
        return f"{self.base_url}/offers/{offer_id}"

    def staff_token_url(self, kind: str, token: str) -> str:
        """Where the one-time token of a staff e-mail of `kind` is used."""
        return self.base_url + _STAFF_TOKEN_PATHS[kind].format(token=token)

    def portal_url(self) -> str:
        return f"{self.base_url}/portal/"

    def forgotten_url(self) -> str:
        return f"{self.base_url}/portal/password/forgotten"

    def agency_url(self) -> str:
        return f"{self.base_url}/agency/"


# A venue manager invited by the agency chooses a password on the portal, like a colleague.
_STAFF_TOKEN_PATHS = {
    "password_reset": "/portal/password/reset/{token}",
    "invitation": "/portal/invitation/{token}",
    "venue_invitation": "/portal/invitation/{token}",
    "colleague_invitation": "/agency/invitation/{token}",
}


def mail_links(config) -> MailLinks:
    return MailLinks(base_url=(config.get("BASE_URL") or "").rstrip("/"),
                     secret_key=config["SECRET_KEY"])
