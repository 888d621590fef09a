"""``icml2018-bot bench``: start-up, per-question cost, memory, scale and HTTP throughput.

Every figure is the median of several runs (with min–max) and a ratio to a
floor measured in the same run, because machines here are noisy and ratios hold.
Nothing here runs in the bot's normal paths.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np

QUESTIONS = (
    "ICML 2018은 며칠 동안 열렸어?",
    "강화학습이 제일 많이 채택됐어?",
    "학습된 인덱스랑 기존 인덱스를 같이 쓰는 구조",
    "Riemannian optimization",
    "렌덤 포레스트 비유",
    "페퍼먼 논문은 어느 저널에 실렸어?",
    "점심 메뉴 추천",
    "저전력 엣지 기기에서 선형대수 가속기",
)
FLOOR_CODE = (
    "import sys; from kiwipiepy import Kiwi; Kiwi(load_multi_dict=False).tokenize(sys.argv[1])"
)
TARGETS = {"cold": 1.3, "warm": 5.0, "warm_p99": 20.0, "memory": 1.1, "x50": 10.0, "x500": 50.0}


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def fmt(self, unit: str, digits: int = 1) -> str:
        return f"{self.median:.{digits}f} {unit} ({self.low:.{digits}f}–{self.high:.{digits}f})"


def _run_process(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{args[1:4]} failed: {proc.stderr.read().decode() if proc.stderr else ''}"
        )
    return elapsed, usage.ru_maxrss / 1024


def _processes(runs: int, env: dict[str, str]) -> dict[str, tuple[Spread, Spread]]:
    question = QUESTIONS[0]
    commands = {
        "floor": [sys.executable, "-c", FLOOR_CODE, question],
        "cold": [sys.executable, "-m", "bot", "ask", "--json", question],
    }
    subprocess.run(commands["cold"], env=env, check=True, capture_output=True)  # warm the cache
    samples: dict[str, list[tuple[float, float]]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, args in commands.items():  # interleaved, so drift hits both alike
            samples[name].append(_run_process(args, env))
    return {
        k: (Spread.of([s[0] for s in v]), Spread.of([s[1] for s in v])) for k, v in samples.items()
    }


def _interleaved(
    floor: Callable[[str], Any], fn: Callable[[str], Any], questions: Sequence[str], rounds: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per call of ``floor`` and of ``fn``, each question timed by both in
    turn: the floor then runs in the same state of the caches and the machine as the
    subject does (Kiwi timed back to back runs on hot caches and is up to 2x faster
    than the Kiwi call inside an answer)."""
    floor_ms: list[float] = []
    fn_ms: list[float] = []
    for _ in range(rounds):
        for q in questions:
            started = time.perf_counter()
            floor(q)
            middle = time.perf_counter()
            fn(q)
            floor_ms.append((middle - started) * 1000)
            fn_ms.append((time.perf_counter() - middle) * 1000)
    return floor_ms, fn_ms


def _replicated(answerer: Any, factor: int) -> Any:
    """The same answerer over the corpus repeated ``factor`` times (ids suffixed)."""
    from bot.answer import Answerer

    return Answerer(answerer.index.replicated(factor), k=answerer.k)


# -- HTTP -----------------------------------------------------------------------------


class _Sink(BaseHTTPRequestHandler):
    """A stand-in for Slack's Web API and response URLs: accepts every POST."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true, "ts": "1.1", "user_id": "UBOT", "bot_id": "BBOT"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _http(env: dict[str, str], requests: int, clients: int) -> dict[str, float]:
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink_url = f"http://127.0.0.1:{sink.server_address[1]}"
    port = _free_port()
    secret = "bench-signing-secret"
    child_env = dict(
        env,
        SLACK_BOT_TOKEN="xoxb-bench",
        SLACK_SIGNING_SECRET=secret,
        SLACK_API_URL=sink_url + "/api/",
        BOT_LOG_LEVEL="WARNING",
    )
    for name in ("SLACK_APP_TOKEN", "HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy"):
        child_env.pop(name, None)
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=child_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_healthy(port)
        latencies: list[float] = []
        lock = threading.Lock()
        per_client = requests // clients

        def client(worker: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            mine = []
            for i in range(per_client):
                body = urlencode(
                    {
                        "command": "/icml2018",
                        "text": QUESTIONS[(worker + i) % len(QUESTIONS)],
                        "team_id": "T111",
                        "channel_id": "C111",
                        "user_id": "U222",
                        "response_url": f"{sink_url}/response/{worker}-{i}",
                        "trigger_id": "1.2.3",
                    }
                )
                ts = str(int(time.time()))
                sig = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256)
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-Slack-Request-Timestamp": ts,
                    "X-Slack-Signature": "v0=" + sig.hexdigest(),
                }
                started = time.perf_counter()
                conn.request("POST", "/slack/events", body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                mine.append((time.perf_counter() - started) * 1000)
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
            conn.close()
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(w,)) for w in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
        sink.shutdown()
    return {
        "rps": len(latencies) / elapsed,
        "p50": float(np.percentile(latencies, 50)),
        "p99": float(np.percentile(latencies, 99)),
        "count": len(latencies),
    }


def _wait_healthy(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("serve did not become healthy")


# -- report ----------------------------------------------------------------------------


def run_bench(corpus_dir: Path, *, runs: int = 5, requests: int = 1000, clients: int = 8) -> str:
    from bot.answer import Answerer
    from bot.search.tokenizer import get_tokenizer

    env = dict(os.environ, BOT_CORPUS_DIR=str(corpus_dir), PYTHONHASHSEED="0")
    lines = [f"icml2018-bot bench — {runs} runs each, median (min–max); ratio to the floor"]
    procs = _processes(runs, env)
    floor_t, floor_m = procs["floor"]
    cold_t, cold_m = procs["cold"]
    verdict = _verdict
    cold_ratio = cold_t.median / floor_t.median
    memory_ratio = cold_m.median / floor_m.median
    lines += [
        f"floor  (import kiwipiepy, Kiwi(), 1 question): {floor_t.fmt('s', 2)}, "
        f"peak RSS {floor_m.fmt('MiB', 0)}",
        f"cold   (ask --json, whole process):            {cold_t.fmt('s', 2)} = "
        f"{cold_ratio:.2f} x floor {verdict(cold_ratio, 'cold')}",
        f"memory (ask, peak RSS):                        {cold_m.fmt('MiB', 0)} = "
        f"{memory_ratio:.2f} x floor {verdict(memory_ratio, 'memory')}",
    ]
    tokenizer = get_tokenizer()
    answerer = Answerer.from_folder(corpus_dir, tokenizer=tokenizer)
    rounds = max(runs, 5) * 10
    for label, factor in (("warm", 1), ("x50", 50), ("x500", 500)):
        subject = answerer if factor == 1 else _replicated(answerer, factor)
        for q in QUESTIONS:  # first calls (lazy imports, caches) are not the steady state
            subject.answer(q)
        kiwi, times = _interleaved(
            tokenizer.raw_tokenize, subject.answer, QUESTIONS, rounds if factor < 500 else runs
        )
        kiwi_ms = statistics.median(kiwi)
        med, p99 = statistics.median(times), float(np.percentile(times, 99))
        passages = len(subject.index.corpus.passages)
        line = (
            f"{label:<6} ({passages} passages, per question):{'':<{12 - len(str(passages))}}"
            f"{med:.3f} ms median = {med / kiwi_ms:.1f} x kiwi ({kiwi_ms:.3f} ms, "
            f"timed in turn) {verdict(med / kiwi_ms, label)}"
        )
        if factor == 1:
            line += (
                f"; p99 {p99:.3f} ms = {p99 / kiwi_ms:.1f} x {verdict(p99 / kiwi_ms, 'warm_p99')}"
            )
        lines.append(line)
    http = _http(env, requests, clients)
    lines.append(
        f"http   (/icml2018 via serve, {clients} clients, {int(http['count'])} requests): "
        f"{http['rps']:.0f} req/s {'ok' if http['rps'] >= 200 else 'MISSES >= 200'}, "
        f"p50 {http['p50']:.1f} ms, p99 {http['p99']:.1f} ms "
        f"{'ok' if http['p99'] <= 100 else 'MISSES <= 100 ms'}"
    )
    return "\n".join(lines)


def _verdict(ratio: float, name: str) -> str:
    target = TARGETS[name]
    return f"[target <= {target:g}: {'ok' if ratio <= target else 'MISSED'}]"


def main_bench(corpus_dir: Path, runs: int, requests: int) -> int:
    print(run_bench(corpus_dir, runs=runs, requests=requests), flush=True)
    return 0
