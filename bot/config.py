"""Settings: one place that reads the environment and the optional YAML config file.

Precedence: environment variables over the config file (``--config`` or
``BOT_CONFIG``) over defaults. Secrets are kept out of ``repr``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# BOT_CANDIDATES: the first passage and at most two others, all a Slack answer shows
# (bot/slack/render.py MAX_OTHERS); more would only be searched, never offered.
MAX_CANDIDATES = 3

# config-file key -> environment variable
_ENV = {
    "slack_bot_token": "SLACK_BOT_TOKEN",
    "slack_signing_secret": "SLACK_SIGNING_SECRET",
    "slack_app_token": "SLACK_APP_TOKEN",
    "slack_api_url": "SLACK_API_URL",
    "port": "PORT",
    "corpus_dir": "BOT_CORPUS_DIR",
    "cache_dir": "BOT_CACHE_DIR",
    "log_level": "BOT_LOG_LEVEL",
    "log_format": "BOT_LOG_FORMAT",
    "log_questions": "BOT_LOG_QUESTIONS",
    "candidates": "BOT_CANDIDATES",
    "allowed_channels": "BOT_ALLOWED_CHANNELS",
    "database_url": "DATABASE_URL",
    "db_path": "BOT_DB",
    "store_questions": "BOT_STORE_QUESTIONS",
    "log_retention_days": "BOT_LOG_RETENTION_DAYS",
    "thread_ttl_hours": "BOT_THREAD_TTL_HOURS",
}
_SECRET_KEYS = ("slack_bot_token", "slack_signing_secret", "slack_app_token", "database_url")


class ConfigError(Exception):
    """A setting is missing or invalid; the message says what to fix, in Korean."""


@dataclass(frozen=True)
class Config:
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str = DEFAULT_API_URL
    port: int = DEFAULT_PORT
    corpus_dir: Path | None = None
    cache_dir: Path | None = None
    log_level: str = "INFO"
    log_format: str = "text"
    log_questions: bool = False
    candidates: int = 3
    allowed_channels: frozenset[str] = frozenset()
    # The store (bot/store/): PostgreSQL when set (replicas share it), else a SQLite file.
    database_url: str | None = field(default=None, repr=False)
    db_path: Path | None = None
    store_questions: bool = True
    log_retention_days: int = 90
    thread_ttl_hours: int = 24

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value set, for log redaction."""
        values = [v for v in (getattr(self, k) for k in _SECRET_KEYS) if v]
        if self.database_url:
            password = urlsplit(self.database_url).password
            values += [password] if password else []
        return tuple(values)

    def channel_allowed(self, channel: str | None) -> bool:
        return not self.allowed_channels or (channel or "") in self.allowed_channels

    def require(self, *names: str) -> None:
        """Raise ConfigError naming the environment variable of each missing setting."""
        missing = [_ENV[n] for n in names if not getattr(self, n)]
        if missing:
            raise ConfigError(f"필요한 환경 변수가 설정되지 않았습니다: {', '.join(missing)}")


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}는 1/0 또는 true/false여야 합니다 (받은 값: {value!r})")


def _int(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ConfigError(f"{name}는 정수여야 합니다 (받은 값: {value!r})") from None
    if not low <= number <= high:
        raise ConfigError(f"{name}는 {low}~{high} 사이여야 합니다 (받은 값: {number})")
    return number


def _read_file(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"설정 파일 {path}를 읽을 수 없습니다 ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"설정 파일 {path}의 YAML 문법이 잘못되었습니다: {exc}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"설정 파일 {path}는 key: value 매핑이어야 합니다")
    unknown = sorted(set(map(str, raw)) - set(_ENV))
    if unknown:
        raise ConfigError(
            f"설정 파일 {path}에 알 수 없는 키가 있습니다: {', '.join(unknown)} "
            f"(쓸 수 있는 키: {', '.join(_ENV)})"
        )
    return raw


def load_config(
    env: Mapping[str, str] | None = None, *, config_file: Path | str | None = None
) -> Config:
    """Settings from ``env`` (default ``os.environ``) and the optional config file."""
    env = os.environ if env is None else env
    path = config_file or env.get("BOT_CONFIG")
    values: dict[str, Any] = _read_file(Path(path)) if path else {}
    for key, var in _ENV.items():
        if env.get(var, "").strip():
            values[key] = env[var].strip()
    out: dict[str, Any] = {}
    for key in _SECRET_KEYS:
        if values.get(key):
            out[key] = str(values[key])
    if values.get("slack_api_url"):
        url = str(values["slack_api_url"])
        if not url.startswith(("http://", "https://")):
            raise ConfigError(f"SLACK_API_URL은 http:// 또는 https://로 시작해야 합니다: {url!r}")
        out["slack_api_url"] = url if url.endswith("/") else url + "/"
    if "port" in values:
        out["port"] = _int(values["port"], "PORT", 1, 65535)
    for key in ("corpus_dir", "cache_dir", "db_path"):
        if values.get(key):
            out[key] = Path(str(values[key]))
    if "log_level" in values:
        level = str(values["log_level"]).upper()
        if level not in LOG_LEVELS:
            raise ConfigError(f"BOT_LOG_LEVEL은 {', '.join(LOG_LEVELS)} 중 하나여야 합니다")
        out["log_level"] = level
    if "log_format" in values:
        fmt = str(values["log_format"]).lower()
        if fmt not in LOG_FORMATS:
            raise ConfigError("BOT_LOG_FORMAT은 text 또는 json이어야 합니다")
        out["log_format"] = fmt
    if "log_questions" in values:
        out["log_questions"] = _bool(values["log_questions"], "BOT_LOG_QUESTIONS")
    if "candidates" in values:
        out["candidates"] = _int(values["candidates"], "BOT_CANDIDATES", 1, MAX_CANDIDATES)
    if "allowed_channels" in values:
        raw = values["allowed_channels"]
        items = raw if isinstance(raw, list) else str(raw).split(",")
        out["allowed_channels"] = frozenset(str(c).strip() for c in items if str(c).strip())
    if values.get("database_url"):
        url = str(values["database_url"])
        if not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://", "sqlite:")):
            raise ConfigError(
                "DATABASE_URL은 postgresql://사용자:암호@호스트:5432/DB 형식이어야 합니다"
            )
        out["database_url"] = url
    if "store_questions" in values:
        out["store_questions"] = _bool(values["store_questions"], "BOT_STORE_QUESTIONS")
    if "log_retention_days" in values:
        out["log_retention_days"] = _int(
            values["log_retention_days"], "BOT_LOG_RETENTION_DAYS", 1, 3650
        )
    if "thread_ttl_hours" in values:
        out["thread_ttl_hours"] = _int(values["thread_ttl_hours"], "BOT_THREAD_TTL_HOURS", 1, 720)
    return Config(**out)
