"""The real PostgreSQL for tests: TEST_DATABASE_URL, or the local server's database ``test``.

Each user gets a schema of its own (``search_path`` set in the URL, so processes started
with that DATABASE_URL use it too) that is dropped afterwards. Under CI=true the tests run
whenever the server answers; they skip only where no server is reachable.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import psycopg
import pytest

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def base_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or DEFAULT_URL


def reachable() -> bool:
    try:
        with psycopg.connect(base_url(), connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def require_postgres() -> None:
    if reachable():
        return
    if os.environ.get("TEST_DATABASE_URL") and os.environ.get("CI") == "true":
        pytest.fail(f"TEST_DATABASE_URL is set but unreachable under CI: {base_url()}")
    pytest.skip(f"no PostgreSQL at {base_url()}")


def with_search_path(url: str, schema: str) -> str:
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options={quote(f'-csearch_path={schema}')}"


@contextlib.contextmanager
def fresh_schema() -> Iterator[str]:
    """A DATABASE_URL whose tables live in a new, empty schema (dropped on exit)."""
    require_postgres()
    schema = "t_bot_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base_url(), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield with_search_path(base_url(), schema)
    finally:
        with psycopg.connect(base_url(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
