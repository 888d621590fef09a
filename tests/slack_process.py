"""Run ``icml2018-bot serve`` / ``socket`` as a real process against the loopback fakes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from slack_fake import PROXY_ENV_VARS, sign_request

REPO = Path(__file__).resolve().parents[1]
BOT_TOKEN = "xoxb-test-bot-token-0123456789"
SIGNING_SECRET = "test-signing-secret-abcdef"
APP_TOKEN = "xapp-1-test-app-token-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bot_env(api_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROXY_ENV_VARS}
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "BOT_CONFIG"):
        env.pop(name, None)
    env.update(SLACK_API_URL=api_url, PYTHONUNBUFFERED="1", **extra)
    return env


class BotProcess:
    """A running bot process; its stderr (logs) is collected in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=REPO,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def logs(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
            self._log.close()


class HttpBot(BotProcess):
    def __init__(self, port: int, env: dict[str, str], log_path: Path) -> None:
        self.port = port
        super().__init__(["serve", "--host", "127.0.0.1", "--port", str(port)], env, log_path)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"bot exited early:\n{self.logs()}")
            with contextlib.suppress(OSError):
                if self.get("/healthz")[0] == 200:
                    return
            time.sleep(0.1)
        raise AssertionError(f"bot never became healthy:\n{self.logs()}")

    def get(self, path: str) -> tuple[int, str]:
        try:
            with _opener().open(self.url + path, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def post(
        self,
        body: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        """POST a signed request to /slack/events; returns (status, body)."""
        all_headers = sign_request(body, secret, timestamp)
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url + "/slack/events", data=body.encode(), headers=all_headers, method="POST"
        )
        try:
            with _opener().open(request, timeout=10) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


def event_json(body: dict) -> str:
    return json.dumps(body, ensure_ascii=False)


@contextlib.contextmanager
def running_http_bot(api_url: str, log_path: Path, **env: str) -> Iterator[HttpBot]:
    bot = HttpBot(
        free_port(),
        bot_env(api_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET, **env),
        log_path,
    )
    try:
        bot.wait_healthy()
        yield bot
    finally:
        bot.stop()
