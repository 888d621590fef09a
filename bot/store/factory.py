"""Open the store the settings ask for."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.config import Config
from bot.store.base import Policy
from bot.store.resilient import ResilientStore
from bot.store.sql import SqlStore, database_url

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
    return ResilientStore(SqlStore(url, policy_of(config))).start()


def open_sql_store(config: Config, default_cache_dir: Path) -> SqlStore:
    """The database itself, for ``report``: raises if it cannot be reached."""
    url = database_url(config.database_url, sqlite_path(config, default_cache_dir))
    return SqlStore(url, policy_of(config)).open()
