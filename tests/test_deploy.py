"""Deployment files: Slack app manifests, container image, Compose, systemd, Kubernetes, docs.

Docker does not run here, so the files are checked as data, and the image's own steps (the
index build, the health check) are run in a throwaway environment. The full ``pip install``
into a fresh venv is slow and needs the package index: it runs only with RUN_SLOW=1.
"""

from __future__ import annotations

import fnmatch
import http.server
import logging
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from bot import config as bot_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
SOCKET_MANIFEST = DEPLOY / "slack-app-manifest.yaml"
HTTP_MANIFEST = DEPLOY / "slack-app-manifest.http.yaml"
MANIFESTS = {"socket": SOCKET_MANIFEST, "http": HTTP_MANIFEST}

COMMAND = "/icml2018"
EVENTS = {"app_mention", "message.im", "message.channels", "message.groups", "app_home_opened"}
EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"
APP_UID = 10001
MEASURED_PEAK_MIB = 400  # peak RSS of one process (Kiwi + index), measured

# Web API method -> bot scope it requires (None: no scope), per Slack's method reference.
METHOD_SCOPES: dict[str, str | None] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "views.publish": None,
    "auth.test": None,
}
# Web API methods the app calls (response_url posts need no scope).
CALLED_METHODS = ("auth.test", "chat.postMessage", "chat.postEphemeral", "views.publish")
# Bot event -> scope required to subscribe to it.
EVENT_SCOPES = {
    "app_mention": "app_mentions:read",
    "message.im": "im:history",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_home_opened": None,
}
COMMAND_SCOPE = "commands"
REQUIRED_SCOPES = {
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "channels:history",
    "groups:history",
}

# Keys the manifest schema (v1) allows at the levels these manifests use.
MANIFEST_KEYS = {
    "": {"_metadata", "display_information", "features", "oauth_config", "settings"},
    "display_information": {"name", "description", "background_color", "long_description"},
    "features": {"app_home", "bot_user", "slash_commands", "shortcuts", "unfurl_domains"},
    "features.app_home": {
        "home_tab_enabled",
        "messages_tab_enabled",
        "messages_tab_read_only_enabled",
    },
    "features.bot_user": {"display_name", "always_online"},
    "oauth_config": {"scopes", "redirect_urls", "token_management_enabled"},
    "settings": {
        "event_subscriptions",
        "interactivity",
        "org_deploy_enabled",
        "socket_mode_enabled",
        "token_rotation_enabled",
        "allowed_ip_address_ranges",
    },
    "settings.event_subscriptions": {"request_url", "bot_events", "user_events"},
    "settings.interactivity": {"is_enabled", "request_url", "message_menu_options_url"},
}
SLASH_COMMAND_KEYS = {"command", "url", "description", "usage_hint", "should_escape"}


# -- helpers ---------------------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dig(data: dict[str, Any], dotted: str) -> Any:
    for key in filter(None, dotted.split(".")):
        data = data[key]
    return data


def bot_scopes(manifest: dict[str, Any]) -> set[str]:
    return set(manifest["oauth_config"]["scopes"]["bot"])


def slash_commands(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["command"]: c for c in manifest["features"].get("slash_commands", [])}


def find_key(data: Any, key: str) -> list[Any]:
    """Every value stored under ``key`` anywhere in a nested structure."""
    found: list[Any] = []
    if isinstance(data, dict):
        for k, v in data.items():
            if k == key:
                found.append(v)
            found += find_key(v, key)
    elif isinstance(data, list):
        for item in data:
            found += find_key(item, key)
    return found


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in (DEPLOY / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        logical.append(pending + line)
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued line"
    out = []
    for line in logical:
        keyword, _, args = line.partition(" ")
        out.append((keyword.upper(), args.strip()))
    return out


def final_stage() -> list[tuple[str, str]]:
    steps = dockerfile_instructions()
    last_from = max(i for i, (kw, _) in enumerate(steps) if kw == "FROM")
    return steps[last_from:]


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for keyword, args in final_stage():
        if keyword == "ENV":
            for item in shlex.split(args):
                key, _, value = item.partition("=")
                env[key] = value
    return env


def index_step() -> str:
    runs = [args for kw, args in final_stage() if kw == "RUN" and "icml2018-bot index" in args]
    assert len(runs) == 1, "the final stage builds the index in exactly one RUN step"
    return runs[0]


def mebibytes(quantity: str, *, systemd: bool = False) -> float:
    """A memory quantity in MiB: Kubernetes (M = 10^6, Mi = 2^20) or systemd (M = 2^20)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMG]?)(i?)", quantity.strip())
    assert m, f"unrecognised memory quantity {quantity!r}"
    number, prefix, binary = float(m.group(1)), m.group(2), m.group(3)
    power = " KMG".index(prefix or " ")
    base = 1024 if binary or systemd else 1000
    return number * base**power / 2**20


def cpu_cores(quantity: str | int) -> float:
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def systemd_unit() -> dict[str, list[tuple[str, str]]]:
    sections: dict[str, list[tuple[str, str]]] = {}
    current = ""
    for raw in (DEPLOY / "icml2018-bot.service").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections.setdefault(current, [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line in the unit: {line!r}"
        sections[current].append((key.strip(), value.strip()))
    return sections


def unit_values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in section if k == key]


def deployment() -> dict[str, Any]:
    return load_yaml(K8S / "deployment.yaml")


def bot_container() -> dict[str, Any]:
    (container,) = deployment()["spec"]["template"]["spec"]["containers"]
    return container


def env_example() -> dict[str, tuple[str, bool]]:
    """Variable -> (value, commented out) for every assignment in env.example."""
    found: dict[str, tuple[str, bool]] = {}
    for line in (DEPLOY / "env.example").read_text(encoding="utf-8").splitlines():
        m = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if m:
            found[m.group(2)] = (m.group(3), bool(m.group(1)))
    return found


def config_variables() -> set[str]:
    return set(bot_config._ENV.values()) | {"BOT_CONFIG"}


# -- Slack app manifests ---------------------------------------------------------------------


@pytest.fixture(params=sorted(MANIFESTS), ids=str)
def manifest(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_yaml(MANIFESTS[request.param])


def test_manifest_uses_only_schema_keys(manifest: dict[str, Any]) -> None:
    for dotted, allowed in MANIFEST_KEYS.items():
        section = dig(manifest, dotted)
        assert set(section) <= allowed, f"{dotted or 'top level'}: {set(section) - allowed}"
    for command in manifest["features"]["slash_commands"]:
        assert set(command) <= SLASH_COMMAND_KEYS


def test_manifest_display_and_bot_user(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]
    assert 1 <= len(info["name"]) <= 35
    assert 1 <= len(info["description"]) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info["background_color"])
    bot_user = manifest["features"]["bot_user"]
    assert bot_user["display_name"]
    assert bot_user["always_online"] is True
    home = manifest["features"]["app_home"]
    assert home["messages_tab_enabled"] is True, "users DM the bot from the messages tab"
    assert home["messages_tab_read_only_enabled"] is False
    settings = manifest["settings"]
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False


def test_manifest_declares_slash_command(manifest: dict[str, Any]) -> None:
    commands = slash_commands(manifest)
    assert set(commands) == {COMMAND}
    command = commands[COMMAND]
    assert 2 <= len(COMMAND) <= 32
    assert command["description"].strip()
    assert command["usage_hint"].strip()
    assert re.search(r"[가-힣]", command["description"]), "description in Korean"
    assert re.search(r"[가-힣]", command["usage_hint"]), "usage hint in Korean"


def test_manifest_bot_events_exactly(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert len(events) == len(set(events))
    assert set(events) == EVENTS
    assert "user_events" not in manifest["settings"]["event_subscriptions"]


def test_manifest_interactivity_enabled(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_manifest_scopes_are_exactly_what_the_app_needs(manifest: dict[str, Any]) -> None:
    scopes = bot_scopes(manifest)
    assert scopes >= REQUIRED_SCOPES
    for_methods = {METHOD_SCOPES[m] for m in CALLED_METHODS} - {None}
    for_events = {
        EVENT_SCOPES[e] for e in manifest["settings"]["event_subscriptions"]["bot_events"]
    } - {None}
    for_commands = {COMMAND_SCOPE} if slash_commands(manifest) else set()
    assert scopes == for_methods | for_events | for_commands
    assert "user" not in manifest["oauth_config"]["scopes"], "the bot needs no user token"


def test_socket_manifest_uses_socket_mode() -> None:
    manifest = load_yaml(SOCKET_MANIFEST)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert not find_key(manifest, "request_url")
    assert not find_key(manifest, "url")


def test_http_manifest_points_every_request_url_at_slack_events() -> None:
    manifest = load_yaml(HTTP_MANIFEST)
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is False
    urls = [
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        slash_commands(manifest)[COMMAND]["url"],
    ]
    for url in urls:
        assert url.startswith("https://")
        assert url.endswith(EVENTS_PATH)
    assert len(set(urls)) == 1, "events, commands and interactivity share one URL"


def test_manifests_differ_only_in_transport() -> None:
    def without_transport(path: Path) -> dict[str, Any]:
        manifest = load_yaml(path)
        manifest["settings"].pop("socket_mode_enabled")
        manifest["settings"]["event_subscriptions"].pop("request_url", None)
        manifest["settings"]["interactivity"].pop("request_url", None)
        for command in manifest["features"]["slash_commands"]:
            command.pop("url", None)
        return manifest

    assert without_transport(SOCKET_MANIFEST) == without_transport(HTTP_MANIFEST)


# -- manifests against the app's real listeners -------------------------------------------------

# Bolt listens to the event type; the manifest names the ``message`` subscription by channel kind.
MANIFEST_EVENT = {
    "app_mention": {"app_mention"},
    "message": {"message.im", "message.channels", "message.groups"},
    "app_home_opened": {"app_home_opened"},
}


def _dispatch_status(app: Any, body: str, secret: str) -> int:
    from slack_bolt import BoltRequest
    from slack_fake import sign_request

    return int(app.dispatch(BoltRequest(body=body, headers=sign_request(body, secret))).status)


def _reaches_a_listener(app: Any, body: str, secret: str, caplog: pytest.LogCaptureFixture) -> bool:
    """Dispatch ``body``; True if a listener took it. What no listener handles is acked
    with 200 as well (so Slack does not retry it) and logged at DEBUG as such."""
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="bot.slack.app"):
        assert _dispatch_status(app, body, secret) == 200
    return "no listener handles" not in caplog.text


def _event_body(manifest_event: str) -> str:
    import json

    from slack_fake import app_mention_body, dm_message_body

    if manifest_event == "app_mention":
        body = app_mention_body("<@UBOT> 힐베르트 명언")
    elif manifest_event == "message.im":
        body = dm_message_body("힐베르트 명언")
    elif manifest_event in ("message.channels", "message.groups"):
        body = dm_message_body("힐베르트 명언", channel="C111")
        body["event"].update(channel_type=manifest_event.split(".")[1][:-1], thread_ts="1.000001")
    else:
        body = app_mention_body("x")
        body["event"]["type"] = manifest_event.split(".")[0]
    return json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("mode", sorted(MANIFESTS))
def test_manifests_match_app_listeners(
    mode: str, answerer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Every declared event and command reaches a listener of the real app, every listener
    is declared, and the scopes cover the Web API methods the app calls."""
    from slack_fake import FakeSlackWebAPI, slash_command_form

    from bot.config import Config
    from bot.slack import app as slack_app

    manifest = load_yaml(MANIFESTS[mode])
    declared_events = set(manifest["settings"]["event_subscriptions"]["bot_events"])
    declared_commands = {c["command"] for c in manifest["features"]["slash_commands"]}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])

    assert set().union(*(MANIFEST_EVENT[e] for e in slack_app.EVENTS)) == declared_events
    assert set(slack_app.EVENT_SUBSCRIPTIONS) == declared_events
    assert declared_commands == {slack_app.COMMAND}
    assert {METHOD_SCOPES[m] for m in slack_app.WEB_API_METHODS} - {None} <= scopes
    assert set(slack_app.WEB_API_METHODS) == set(CALLED_METHODS)
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True

    secret = "manifest-test-secret"
    with FakeSlackWebAPI() as fake:
        config = Config(
            slack_bot_token="xoxb-manifest",
            slack_signing_secret=secret,
            slack_api_url=fake.base_url,
        )
        bot = slack_app.build_app(config, answerer)
        try:
            for event in declared_events:
                assert _reaches_a_listener(bot.app, _event_body(event), secret, caplog), event
            for command in declared_commands:
                form = slash_command_form("", command=command, response_url=fake.response_url("m"))
                assert _reaches_a_listener(bot.app, form, secret, caplog), command
            # The check can fail: what no listener handles is noticed (and still acked).
            body = _event_body("reaction_added")
            assert not _reaches_a_listener(bot.app, body, secret, caplog)
            form = slash_command_form("", command="/other", response_url=fake.response_url("o"))
            assert not _reaches_a_listener(bot.app, form, secret, caplog)
        finally:
            bot.drain()


# -- Dockerfile --------------------------------------------------------------------------------


def test_dockerfile_is_multi_stage_on_slim_python() -> None:
    steps = dockerfile_instructions()
    froms = [args for kw, args in steps if kw == "FROM"]
    assert len(froms) >= 2
    args = dict(a.split("=", 1) for kw, a in steps if kw == "ARG" and "=" in a)

    def image(from_args: str) -> str:
        name = from_args.split()[0]
        return re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], name)

    assert all(image(f) == "python:3.11-slim" for f in froms)
    assert any(re.search(r"\bAS\s+builder\b", f, re.IGNORECASE) for f in froms)
    assert any(kw == "COPY" and "--from=builder" in a for kw, a in final_stage())


def test_dockerfile_runs_as_non_root() -> None:
    users = [args for kw, args in final_stage() if kw == "USER"]
    assert users, "the final stage sets USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0")
    assert user == str(APP_UID), "numeric, so Kubernetes' runAsNonRoot can verify it"


def test_dockerfile_builds_index_before_dropping_root() -> None:
    steps = final_stage()
    env = dockerfile_env()
    assert env["BOT_CACHE_DIR"] == "/app/cache"
    assert env["BOT_CORPUS_DIR"] == "/app/corpus"
    run = index_step()
    assert re.search(r"chmod -R a\+rX /app/cache", run), "cache readable by the runtime user"
    index_at = next(i for i, (kw, a) in enumerate(steps) if kw == "RUN" and a == run)
    corpus_at = next(i for i, (kw, a) in enumerate(steps) if kw == "COPY" and "corpus" in a)
    user_at = max(i for i, (kw, _) in enumerate(steps) if kw == "USER")
    assert corpus_at < index_at < user_at


def test_dockerfile_runtime_settings() -> None:
    steps = dict(final_stage())
    assert steps["EXPOSE"].split() == ["3000"]
    assert dockerfile_env()["PORT"] == "3000"
    assert steps["STOPSIGNAL"] == "SIGTERM"
    assert yaml.safe_load(steps["CMD"]) == ["icml2018-bot", "run"]
    health = steps["HEALTHCHECK"]
    assert HEALTH_PATH in health
    assert "127.0.0.1" in health
    assert "SLACK_APP_TOKEN" in health, "Socket Mode has no HTTP port to probe"


def test_dockerignore_lets_every_copied_source_through() -> None:
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [p.strip() for p in ignore if p.strip() and not p.startswith("#")]
    assert patterns[0] == "*", "allow-list style: exclude everything, then re-include"
    allowed = [p[1:] for p in patterns if p.startswith("!")]
    assert ".venv" not in allowed
    assert ".git" not in allowed
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY" or "--from" in args:
            continue
        *sources, _dest = [a for a in args.split() if not a.startswith("--")]
        for source in sources:
            assert any(a == source or fnmatch.fnmatch(a, source) for a in allowed), source
            if not any(ch in source for ch in "*?["):
                assert (ROOT / source).exists(), f"COPY source {source} missing from the repo"


@pytest.fixture
def health_server() -> Iterator[tuple[int, list[int]]]:
    """A loopback /healthz answering with the status at the head of the returned list."""
    status = [200]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            code = status[0] if self.path == HEALTH_PATH else 404
            self.send_response(code)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], status
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs /bin/sh, as the image has")
def test_healthcheck_command_behaves(tmp_path: Path, health_server: tuple[int, list[int]]) -> None:
    health = dict(final_stage())["HEALTHCHECK"]
    command = health.split(" CMD ", 1)[1]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "python"  # the image's `python` (the venv's, first on PATH)
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    wrapper.chmod(0o755)
    port, status = health_server

    def check(**env: str) -> int:
        full = {"PATH": f"{bindir}{os.pathsep}/usr/bin:/bin", **env}
        result = subprocess.run(["sh", "-c", command], env=full, capture_output=True, timeout=30)
        return result.returncode

    assert check(PORT=str(port)) == 0
    status[0] = 503
    assert check(PORT=str(port)) != 0
    assert check(PORT=str(closed_port())) != 0
    assert check(PORT=str(closed_port()), SLACK_APP_TOKEN="xapp-placeholder") == 0


def test_index_step_builds_then_reuses_the_cache(tmp_path: Path) -> None:
    """The Dockerfile's index step, run with this interpreter and the image paths mapped here."""
    image_env = dockerfile_env()
    cache = tmp_path / "cache"
    script = (
        index_step()
        .replace(image_env["BOT_CACHE_DIR"], str(cache))
        .replace("icml2018-bot", f"{shlex.quote(sys.executable)} -m bot")
    )
    env = {
        **os.environ,
        "BOT_CACHE_DIR": str(cache),
        "BOT_CORPUS_DIR": str(ROOT / "corpus"),
    }

    def build() -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["sh", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=110,
        )
        assert result.returncode == 0, result.stderr
        return result

    build()
    (built,) = cache.glob("index-*.json")
    before = built.stat()
    assert before.st_size > 0
    assert before.st_mode & 0o044 == 0o044, "readable by the image's runtime user"

    second = build()
    assert list(cache.glob("index-*.json")) == [built]
    after = built.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns), (
        "an unchanged corpus reuses the cache instead of re-analysing and rewriting it"
    )
    assert "not written" not in second.stderr


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.skipif(os.environ.get("RUN_SLOW") != "1", reason="slow, needs PyPI: RUN_SLOW=1")
def test_image_build_steps_in_a_fresh_venv(tmp_path: Path) -> None:
    """The builder stage (copy, wheel, install into a new venv) and the index step, for real."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "bot", src / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "corpus", src / "corpus")  # package data of the wheel
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    wheels = tmp_path / "wheels"
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(src)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (wheel,) = wheels.glob("icml2018_bot-*.whl")
    subprocess.run([*pip, "install", str(wheel)], check=True, timeout=900, capture_output=True)

    app = tmp_path / "app"
    shutil.copytree(ROOT / "corpus", app / "corpus")
    env = {
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BOT_CORPUS_DIR": str(app / "corpus"),
        "BOT_CACHE_DIR": str(app / "cache"),
    }
    result = subprocess.run(
        [str(venv / "bin" / "icml2018-bot"), "index"],
        cwd=app,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert list((app / "cache").glob("index-*.json"))


# -- Docker Compose ----------------------------------------------------------------------------


def test_compose_runs_socket_mode_from_an_env_file() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.yml")
    service = compose["services"]["bot"]
    build = service["build"]
    assert build["context"] == ".."
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert service["env_file"]
    assert service.get("command", ["icml2018-bot", "run"])[-1] in ("run", "socket")
    assert service["restart"] == "unless-stopped"
    assert service["stop_grace_period"] == "30s"
    assert "ports" not in service, "Socket Mode opens no port"
    # The SQLite store lives on a volume at the image's BOT_DB folder (the root is read-only).
    mounts = dict(v.split(":", 1) for v in service["volumes"])
    assert Path(dockerfile_env()["BOT_DB"]).parent == Path(mounts["state"])
    assert "state" in compose["volumes"]


def test_compose_runs_postgres_beside_the_bot_for_replicas() -> None:
    compose = load_yaml(DEPLOY / "docker-compose.yml")
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"], "only when asked for (several bots)"
    assert "ports" not in postgres, "not published on the host"
    assert postgres["healthcheck"]["test"][1] == "pg_isready"
    assert "postgres" in compose["volumes"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    dependency = compose["services"]["bot"]["depends_on"]["postgres"]
    assert dependency == {"condition": "service_healthy", "required": False}


# -- env.example and README ---------------------------------------------------------------------


def test_env_example_lists_every_setting() -> None:
    listed = env_example()
    missing = config_variables() - set(listed)
    assert not missing, f"env.example lacks {sorted(missing)}"
    assert not set(listed) - config_variables(), "env.example names unknown variables"


def test_env_example_has_placeholders_only() -> None:
    listed = env_example()
    assert listed["SLACK_BOT_TOKEN"][0].startswith("xoxb-your")
    assert listed["SLACK_APP_TOKEN"][0].startswith("xapp-your")
    text = (DEPLOY / "env.example").read_text(encoding="utf-8")
    assert not re.search(r"xox[abp]-\d", text), "a real-looking token in env.example"
    assert re.search(r"[가-힣]", text), "comments in Korean"
    for name, (value, commented) in listed.items():
        # An empty active line would override the image's own ENV (BOT_CACHE_DIR=/app/cache).
        assert commented or value, f"{name}= is empty: comment it out instead"


def test_env_example_values_load() -> None:
    """Uncommenting any example line yields a valid setting."""
    env = {name: value for name, (value, _) in env_example().items() if value}
    env.pop("BOT_CONFIG", None)
    bot_config.load_config(env)


def test_readme_covers_setup_and_operations() -> None:
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    for needle in (
        SOCKET_MANIFEST.name,
        HTTP_MANIFEST.name,
        "connections:write",
        "xoxb-",
        "xapp-",
        "Signing Secret",
        "make run",
        "docker compose",
        "proxy_pass",
        "kubectl",
        "journalctl",
        "docker logs",
        "kubectl logs",
        "BOT_LOG_QUESTIONS=1",
        "invalid_auth",
        "not_in_channel",
        "401",
    ):
        assert needle in text, needle
    missing = {v for v in config_variables() if f"`{v}`" not in text}
    assert not missing, f"README's configuration table lacks {sorted(missing)}"


# -- systemd -----------------------------------------------------------------------------------


def test_systemd_unit() -> None:
    unit = systemd_unit()
    service = unit["Service"]

    def one(key: str) -> str:
        (value,) = unit_values(service, key)
        return value

    assert one("User") == "icml2018-bot"
    assert one("Restart") == "on-failure"
    assert int(one("RestartSec")) > 0
    assert one("EnvironmentFile") == "/etc/icml2018-bot/env"
    assert one("ExecStart") == "/opt/icml2018-bot/.venv/bin/icml2018-bot run"
    assert one("ExecReload") == "/bin/kill -HUP $MAINPID", "systemctl reload = SIGHUP"
    assert one("KillSignal") == "SIGTERM"
    assert int(one("TimeoutStopSec")) == 30
    assert one("CacheDirectory") == "icml2018-bot"
    environment = dict(v.split("=", 1) for v in unit_values(service, "Environment"))
    assert environment["BOT_CACHE_DIR"] == "/var/cache/icml2018-bot"
    assert Path(environment["BOT_CORPUS_DIR"]).name == "corpus"
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
    }.items():
        assert one(key) == value, key
    assert mebibytes(one("MemoryMax"), systemd=True) >= 1.5 * MEASURED_PEAK_MIB
    assert unit_values(unit["Install"], "WantedBy") == ["multi-user.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = tmp_path / "icml2018-bot.service"
    shutil.copy2(DEPLOY / "icml2018-bot.service", unit)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    # The venv and the service user exist only on the target machine.
    expected = ("is not executable", "Failed to resolve user")
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "icml2018-bot.service" in line and not any(e in line for e in expected)
    ]
    assert not problems, problems


# -- Kubernetes --------------------------------------------------------------------------------


def test_k8s_deployment_runs_two_http_replicas() -> None:
    spec = deployment()["spec"]
    assert spec["replicas"] == 2
    pod = spec["template"]
    assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    container = bot_container()
    assert container["command"] == ["icml2018-bot"], "the image has no ENTRYPOINT"
    assert container["args"] == ["serve"]
    (port,) = container["ports"]
    assert port["containerPort"] == 3000
    assert pod["spec"]["terminationGracePeriodSeconds"] == 30


def test_k8s_probes_hit_healthz() -> None:
    container = bot_container()
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    for kind in ("readinessProbe", "livenessProbe"):
        probe = container[kind]
        assert probe["httpGet"]["path"] == HEALTH_PATH
        assert port_names.get(probe["httpGet"]["port"], probe["httpGet"]["port"]) == 3000
        assert probe["periodSeconds"] > 0
    # start-up takes ~3 s: readiness may look early, liveness must not kill a starting pod
    assert container["readinessProbe"]["initialDelaySeconds"] <= 5
    assert container["livenessProbe"]["initialDelaySeconds"] >= 10


def test_k8s_resources_fit_measured_memory() -> None:
    resources = bot_container()["resources"]
    request = mebibytes(resources["requests"]["memory"])
    limit = mebibytes(resources["limits"]["memory"])
    assert MEASURED_PEAK_MIB <= request <= limit
    assert limit >= 1.5 * MEASURED_PEAK_MIB
    assert 0 < cpu_cores(resources["requests"]["cpu"]) <= cpu_cores(resources["limits"]["cpu"])


def test_k8s_security_and_writable_paths() -> None:
    pod = deployment()["spec"]["template"]["spec"]
    container = bot_container()
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == APP_UID
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "waitress spills big request bodies to /tmp"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["BOT_CACHE_DIR"] == dockerfile_env()["BOT_CACHE_DIR"], "the prebuilt cache"


def test_k8s_secret_service_and_ingress_fit_the_deployment() -> None:
    container = bot_container()
    secret = load_yaml(K8S / "secret.example.yaml")
    (source,) = container["envFrom"]
    assert source["secretRef"]["name"] == secret["metadata"]["name"]
    assert set(secret["stringData"]) == {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL"}
    assert secret["stringData"]["SLACK_BOT_TOKEN"].startswith("xoxb-your")
    # The two replicas share one PostgreSQL: the one postgres.example.yaml runs beside them.
    url = urlsplit(secret["stringData"]["DATABASE_URL"])
    assert url.scheme == "postgresql"
    service_doc, statefulset = yaml.safe_load_all((K8S / "postgres.example.yaml").read_text())
    assert url.hostname == service_doc["metadata"]["name"]
    assert url.port == service_doc["spec"]["ports"][0]["port"] == 5432
    pg_env = {e["name"]: e for e in statefulset["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert url.username == pg_env["POSTGRES_USER"]["value"]
    assert url.path.lstrip("/") == pg_env["POSTGRES_DB"]["value"]
    assert statefulset["spec"]["selector"]["matchLabels"] == service_doc["spec"]["selector"]

    service = load_yaml(K8S / "service.yaml")
    labels = deployment()["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"].items() <= labels.items()
    (port,) = service["spec"]["ports"]
    assert port["port"] == 80
    port_names = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert port_names.get(port["targetPort"], port["targetPort"]) == 3000

    ingress = load_yaml(K8S / "ingress.example.yaml")
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert [p["path"] for p in paths] == [EVENTS_PATH]
    assert {p["backend"]["service"]["name"] for p in paths} == {service["metadata"]["name"]}
    assert ingress["spec"]["tls"]


# -- shutdown budgets ----------------------------------------------------------------------------


def test_stop_budgets_cover_the_graceful_timeout() -> None:
    """Every way of running the bot waits longer than the bot's own graceful stop."""
    serve = pytest.importorskip("bot.slack.runners")
    graceful = serve.GRACEFUL_SECONDS
    (timeout,) = unit_values(systemd_unit()["Service"], "TimeoutStopSec")
    assert int(timeout) > graceful
    compose = load_yaml(DEPLOY / "docker-compose.yml")
    for service in compose["services"].values():
        assert int(service["stop_grace_period"].removesuffix("s")) > graceful
    pod = deployment()["spec"]["template"]["spec"]
    pre_stop = bot_container().get("lifecycle", {}).get("preStop", {}).get("exec", {})
    sleep = int(pre_stop["command"][-1]) if pre_stop else 0
    assert pod["terminationGracePeriodSeconds"] - sleep >= graceful
