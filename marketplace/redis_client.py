"""An optional Redis connection: an accelerator that the app must live without."""

from __future__ import annotations

import redis


class RedisConnector:
    """Hands out a Redis client when REDIS_URL is set, and says whether it answers."""

    def __init__(self) -> None:
        self.url: str | None = None
        self._client: redis.Redis | None = None

    def init_app(self, app) -> None:
        self.url = app.config.get("REDIS_URL")
        self._client = (
            redis.Redis.from_url(self.url, socket_timeout=0.5, socket_connect_timeout=0.5)
            if self.url
            else None
        )
        app.extensions["redis_connector"] = self

    @property
    def client(self) -> redis.Redis | None:
        """The client, or None when the deployment runs without Redis."""
        return self._client

    def status(self) -> str:
        """'ok', 'absent' (not configured) or 'down' (configured but not answering)."""
        if self._client is None:
            return "absent"
        try:
            self._client.ping()
        except redis.RedisError:
            return "down"
        return "ok"
