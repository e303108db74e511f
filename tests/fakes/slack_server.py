"""A local stand-in for Slack's incoming webhook, over real HTTP on 127.0.0.1.

Slack answers a webhook POST with ``200 ok``; ``429`` with ``Retry-After`` when rate limited;
``400 invalid_payload``, ``403 invalid_token`` / ``action_prohibited``, ``404 no_service`` /
``channel_not_found``, ``410 channel_is_archived`` when it refuses; 5xx on its own trouble. The
server answers from a script (one ``Reply`` per request, then ``default``) and records every request.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from emulators.stack import LocalStack

WEBHOOK_PATH = "/services/T0LOCAL00/B0LOCAL00/sEcReTtOkEn0123456789abcd"


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: str = "ok"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def ok(cls) -> Reply:
        return cls()

    @classmethod
    def rate_limited(cls, retry_after: int = 1) -> Reply:
        return cls(429, "rate_limited", (("Retry-After", str(retry_after)),))

    @classmethod
    def error(cls, status: int, code: str) -> Reply:
        return cls(status, code)


@dataclass
class Received:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class SlackServer:
    """``with SlackServer() as slack: slack.url`` is a webhook URL; ``slack.script(...)`` sets replies."""

    default: Reply = field(default_factory=Reply.ok)
    received: list[Received] = field(default_factory=list)
    _script: list[Reply] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> SlackServer:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                with outer._lock:
                    outer.received.append(Received(self.path, body, dict(self.headers.items())))
                    reply = outer._script.pop(0) if outer._script else outer.default
                if self.path != WEBHOOK_PATH:
                    reply = Reply.error(404, "no_service")
                data = reply.body.encode()
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in reply.headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the tests read .received

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the server is not running"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The webhook URL (its path plays the secret token)."""
        return self.base_url + WEBHOOK_PATH

    def script(self, replies: Iterable[Reply], *, default: Reply | None = None) -> None:
        with self._lock:
            self._script = list(replies)
            if default is not None:
                self.default = default
            self.received.clear()

    def reset(self) -> None:
        self.script([], default=Reply.ok())


SLACK_SECRET_NAME = "model-steward/slack-webhook"


class LocalStackWithSlackSecret(LocalStack):
    """The local stack with the Slack notifier deployed: the webhook secret is created in moto
    first (moto gives its ARN a random suffix, as AWS does) and its real ARN is passed as the
    ``SlackWebhookSecretArn`` parameter."""

    def __init__(self, webhook_url: str, parameters: Mapping[str, str] | None = None) -> None:
        super().__init__(parameters)
        self.webhook_url = webhook_url
        self.secret_arn = ""

    def deploy(self) -> None:
        created = self.client("secretsmanager").create_secret(
            Name=SLACK_SECRET_NAME, SecretString=self.webhook_url
        )
        self.secret_arn = created["ARN"]
        self.parameter_overrides["SlackWebhookSecretArn"] = self.secret_arn
        super().deploy()

    def set_webhook_secret(self, value: str) -> None:
        self.client("secretsmanager").put_secret_value(SecretId=self.secret_arn, SecretString=value)
