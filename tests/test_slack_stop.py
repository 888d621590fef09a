"""SIGTERM, again and again, in both modes: never a native crash, always exit 0.

Each run starts a real ``serve`` or ``socket`` process, hands it a question, and sends
SIGTERM while the answer may still be on its way. The processes of a round start in
parallel to keep the total time reasonable (each builds its own Kiwi).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from slack_fake import (
    FakeSlackWebAPI,
    FakeSocketModeServer,
    app_mention_body,
    socket_mode_envelope_for_event,
)
from slack_process import (
    APP_TOKEN,
    BOT_TOKEN,
    SIGNING_SECRET,
    BotProcess,
    HttpBot,
    bot_env,
    event_json,
    free_port,
)

STOPS = 20
ROUND = 10
CRASH_SIGNS = ("terminate called", "SIGABRT", "SIGSEGV", "Segmentation fault", "Traceback")


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.load
def test_sigterm_twenty_times_across_both_modes(tmp_path: Path) -> None:
    outcomes: list[tuple[str, int, list[str]]] = []
    started = time.monotonic()
    with FakeSlackWebAPI() as api, FakeSocketModeServer(web_api=api) as server:
        for round_start in range(0, STOPS, ROUND):
            procs: list[BotProcess] = []
            for i in range(round_start, round_start + ROUND):
                log = tmp_path / f"bot-{i}.log"
                if i % 2:
                    env = bot_env(
                        api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN
                    )
                    procs.append(BotProcess(["socket"], env, log))
                else:
                    env = bot_env(
                        api.base_url, SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET
                    )
                    procs.append(HttpBot(free_port(), env, log))
            for proc in procs:
                if isinstance(proc, HttpBot):
                    proc.wait_healthy(timeout=90)
            sockets = [p for p in procs if not isinstance(p, HttpBot)]
            _wait(
                lambda s=sockets: all("Socket Mode: connected" in p.logs() for p in s),
                90,
                "every Socket Mode process to connect",
            )
            for proc in procs:  # a question in flight for each, then SIGTERM
                body = app_mention_body("<@UBOT> 스톡홀름 ICML")
                if isinstance(proc, HttpBot):
                    assert proc.post(event_json(body))[0] == 200
                else:
                    server.send_envelope(socket_mode_envelope_for_event(body))
            for proc in procs:
                code = proc.stop(timeout=40)
                logs = proc.logs()
                mode = "serve" if isinstance(proc, HttpBot) else "socket"
                outcomes.append((mode, code, [s for s in CRASH_SIGNS if s in logs]))
    elapsed = time.monotonic() - started
    print(
        f"\n{len(outcomes)} SIGTERM stops in {elapsed:.0f} s: "
        f"exit codes {[c for _, c, _ in outcomes]}"
    )
    assert len(outcomes) == STOPS
    assert {mode for mode, _, _ in outcomes} == {"serve", "socket"}
    assert [(m, c, s) for m, c, s in outcomes if c != 0 or s] == []
