"""Settings validation and log output: errors say what to fix; secrets never reach a log."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from bot import corpus as corpus_module
from bot.config import ConfigError, load_config
from bot.logs import JsonFormatter, RedactingFilter, setup_logging

BOT_PY = Path(__file__).resolve().parents[1] / "bot"


def test_environment_overrides_the_config_file(tmp_path: Path) -> None:
    path = tmp_path / "bot.yaml"
    path.write_text("port: 4000\ncandidates: 2\nallowed_channels: [C1, C2]\n", encoding="utf-8")
    config = load_config({"PORT": "5000"}, config_file=path)
    assert (config.port, config.candidates) == (5000, 2)
    assert config.allowed_channels == frozenset({"C1", "C2"})
    assert config.channel_allowed("C1") and not config.channel_allowed("C9")


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"BOT_LOG_FORMAT": "xml"}, "BOT_LOG_FORMAT"),
        ({"BOT_CANDIDATES": "0"}, "BOT_CANDIDATES"),
        ({"BOT_LOG_QUESTIONS": "maybe"}, "BOT_LOG_QUESTIONS"),
        ({"SLACK_API_URL": "ftp://x"}, "SLACK_API_URL"),
        ({"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"),
        ({"BOT_STORE_QUESTIONS": "sometimes"}, "BOT_STORE_QUESTIONS"),
        ({"BOT_LOG_RETENTION_DAYS": "0"}, "BOT_LOG_RETENTION_DAYS"),
        ({"BOT_THREAD_TTL_HOURS": "a day"}, "BOT_THREAD_TTL_HOURS"),
    ],
)
def test_invalid_settings_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        load_config(env)


def test_config_file_problems_are_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("slack_bot_tokn: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="slack_bot_tokn"):
        load_config({}, config_file=bad)
    with pytest.raises(ConfigError, match="읽을 수 없습니다"):
        load_config({}, config_file=tmp_path / "absent.yaml")


def test_missing_tokens_are_named_and_secrets_stay_out_of_repr() -> None:
    config = load_config({"SLACK_BOT_TOKEN": "xoxb-secret-value"})
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        config.require("slack_bot_token", "slack_signing_secret")
    assert "xoxb-secret-value" not in repr(config)


def test_json_logs_carry_answer_fields_and_redact_secrets() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter(["xoxb-secret-value"]))
    logger = logging.getLogger("test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "token %s leaked?",
            "xoxb-secret-value",
            extra={"event": "app_mention", "status": "answer", "latency_ms": 1.5},
        )
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["event"] == "app_mention" and line["status"] == "answer"
    assert "xoxb-secret-value" not in stream.getvalue()
    assert "[REDACTED]" in line["message"]


def test_setup_logging_installs_one_redacting_handler() -> None:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    try:
        setup_logging(level="INFO", fmt="json", secrets=["abcdef123456"])
        setup_logging(level="INFO", fmt="text", secrets=["abcdef123456"])
        assert len(root.handlers) == 1
        assert any(isinstance(f, RedactingFilter) for f in root.handlers[0].filters)
    finally:
        root.handlers[:] = saved
        root.setLevel(level)


def test_yaml_is_only_ever_read_with_safe_load() -> None:
    """safe_load, or load with the corpus's loader, which must construct safely."""
    for path in BOT_PY.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for call in re.finditer(r"yaml\.(load|unsafe_load|full_load)\(([^\n]*)", text):
            assert call.group(1) == "load" and "Loader=_LOADER" in call.group(2), path.name
    assert issubclass(corpus_module._LOADER, yaml.constructor.SafeConstructor)
    assert not issubclass(corpus_module._LOADER, yaml.constructor.FullConstructor)


def test_store_settings_and_the_database_password_stays_secret(tmp_path: Path) -> None:
    config = load_config(
        {
            "DATABASE_URL": "postgresql://bot:s3cret-pass@db:5432/icml2018",
            "BOT_DB": str(tmp_path / "x.db"),
            "BOT_STORE_QUESTIONS": "0",
            "BOT_LOG_RETENTION_DAYS": "30",
            "BOT_THREAD_TTL_HOURS": "6",
        }
    )
    assert config.db_path == tmp_path / "x.db"
    assert (config.store_questions, config.log_retention_days, config.thread_ttl_hours) == (
        False,
        30,
        6,
    )
    assert "s3cret-pass" not in repr(config)
    assert "s3cret-pass" in config.secrets, "redacted from logs, even alone"
    defaults = load_config({})
    assert (defaults.database_url, defaults.store_questions) == (None, True)
    assert (defaults.log_retention_days, defaults.thread_ttl_hours) == (90, 24)
