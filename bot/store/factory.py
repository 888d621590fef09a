"""Open the store the settings ask for."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Config
from bot.store.base import Policy
from bot.store.records import QuestionRecord, Vote
from bot.store.resilient import ResilientStore
from bot.store.sql import SqlStore, database_url, describe

DB_FILE = "bot.db"


def policy_of(config: Config) -> Policy:
    return Policy(
        thread_ttl=timedelta(hours=config.thread_ttl_hours),
        retention=timedelta(days=config.log_retention_days),
        store_questions=config.store_questions,
    )


def sqlite_path(config: Config, default_cache_dir: Path) -> Path:
    """``BOT_DB``, else ``bot.db`` in the cache folder."""
    return config.db_path or (config.cache_dir or default_cache_dir) / DB_FILE


def open_store(config: Config, default_cache_dir: Path) -> ResilientStore:
    """The bot's store, connected and migrated; if the database is unreachable the bot
    starts anyway (a warning) and keeps trying."""
    url = database_url(config.database_url, sqlite_path(config, default_cache_dir))
    store = ResilientStore(SqlStore(url, policy_of(config))).start()
    # No connection may cross a fork (gunicorn forks its worker after this, and again on
    # SIGHUP): close the pooled ones now; each process opens its own on first use.
    store.primary.close()
    return store


class StoreUnavailable(Exception):
    """The database cannot be read; the message says which one, in Korean."""


def read_log(
    config: Config, default_cache_dir: Path, since: datetime
) -> tuple[list[QuestionRecord], list[Vote]]:
    """The question log and the votes since ``since``, read from the database itself."""
    url = database_url(config.database_url, sqlite_path(config, default_cache_dir))
    store = SqlStore(url, policy_of(config))
    try:
        store.open()
        return store.questions_since(since), store.votes_since(since)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreUnavailable(
            f"저장소 {describe(url)}를 읽을 수 없습니다 ({exc.__class__.__name__})"
        ) from None
    finally:
        store.close()
