"""The operator's install path: the Makefile's interpreter check and targets, and a wheel
that answers out of the box.

The wheel test builds the project, installs it into a new venv outside the checkout and
asks a question with no settings at all: the corpus must come from the package itself.
It needs the package index (or pip's cache) and takes tens of seconds; it runs in
``make test`` and CI all the same.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HINT = "PYTHON=python3.12 make run"


def make_copy(tmp_path: Path) -> Path:
    """The Makefile and pyproject in a folder without a venv (as in a fresh clone)."""
    folder = tmp_path / "clone"
    folder.mkdir()
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy2(ROOT / name, folder / name)
    return folder


def fake_python(tmp_path: Path, version: str) -> Path:
    bin_dir = tmp_path / "fake-bin"
    bin_dir.mkdir()
    script = bin_dir / "python3"
    script.write_text(f'#!/bin/sh\necho "Python {version}"\n', encoding="utf-8")
    script.chmod(0o755)
    return bin_dir


def run_make(folder: Path, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON", "MAKEFLAGS", "MFLAGS")}
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(folder), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
@pytest.mark.parametrize("target", ["run", "test"])
def test_make_with_python_3_10_stops_with_one_line_and_the_hint(
    tmp_path: Path, target: str
) -> None:
    folder = make_copy(tmp_path)
    fake = fake_python(tmp_path, "3.10.12")
    result = run_make(folder, target, path=f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert result.returncode != 0
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert len(lines) == 1, lines
    (line,) = lines
    assert "3.10.12" in line and "3.11" in line
    assert f"PYTHON=python3.12 make {target}" in line
    assert "이상이 필요" in line, "Korean first"
    assert not (folder / ".venv").exists(), "nothing was installed"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_names_a_missing_interpreter(tmp_path: Path) -> None:
    result = run_make(make_copy(tmp_path), "run", "PYTHON=python3.99-nowhere")
    assert result.returncode != 0
    assert "python3.99-nowhere" in result.stderr and HINT in result.stderr


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_run_installs_runtime_only_and_make_test_adds_dev(tmp_path: Path) -> None:
    """Dry runs (``make -n``) with a good interpreter: what each target would install."""
    folder = make_copy(tmp_path)
    run = run_make(folder, "-n", "run", f"PYTHON={sys.executable}")
    assert run.returncode == 0, run.stderr
    installs = [line for line in run.stdout.splitlines() if "pip install" in line]
    assert any(line.rstrip().endswith("install --quiet -e .") for line in installs), installs
    assert not any("[dev]" in line for line in installs)
    test = run_make(folder, "-n", "test", f"PYTHON={sys.executable}")
    assert test.returncode == 0, test.stderr
    assert any("-e '.[dev]'" in line for line in test.stdout.splitlines())
    # A newer interpreter passes the check too (numeric, not text, comparison).
    fake = fake_python(tmp_path, "3.12.1")
    newer = run_make(folder, "-n", "run", path=f"{fake}{os.pathsep}{os.environ['PATH']}")
    assert newer.returncode == 0, newer.stderr


def test_every_package_is_listed_for_the_wheel() -> None:
    import tomllib

    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "bot").rglob("__init__.py")
    }
    assert set(setuptools["packages"]) == on_disk | {"bot.articles"}
    assert setuptools["package-dir"] == {"bot.articles": "corpus"}


@pytest.mark.timeout(900)
def test_wheel_installed_outside_the_checkout_answers_with_no_settings(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "bot", src / "bot", ignore=ignore)
    shutil.copytree(ROOT / "corpus", src / "corpus")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "-q"]
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [*pip, "wheel", "--no-deps", "--wheel-dir", str(wheels), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("icml2018_bot-*.whl")
    installed = subprocess.run(
        [*pip, "install", str(wheel)], capture_output=True, text=True, timeout=900
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    shutil.rmtree(src)  # nothing may still point at the sources

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin", "HOME": str(tmp_path / "home")}
    result = subprocess.run(
        ["icml2018-bot", "ask", "--json", "스톡홀름에서 열린 학회는?"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["status"] == "answer"
    assert answer["results"][0]["article_id"] == "icml2018"
    assert "스톡홀름" in answer["results"][0]["text"]
    check = subprocess.run(
        ["icml2018-bot", "corpus", "check"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
    assert "site-packages/bot/articles" in check.stdout, "the packaged corpus"
    assert "문서 2개" in check.stdout


# -- the operator's documentation ------------------------------------------------------------

DEPLOY_README = ROOT / "deploy" / "README.md"


def settings_rows() -> dict[str, str]:
    """Variable -> its row in deploy/README.md's settings table."""
    rows = {}
    for line in DEPLOY_README.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `") and "` |" in line:
            rows[line.split("`")[1]] = line
    return rows


def test_deploy_readme_names_the_app_as_the_manifest_does() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "deploy" / "slack-app-manifest.yaml").read_text("utf-8"))
    text = DEPLOY_README.read_text(encoding="utf-8")
    assert f"**{manifest['display_information']['name']}**" in text
    assert f"`@{manifest['features']['bot_user']['display_name']}`" in text
    assert "앱 목록에서 **icml2018**" not in text


def test_bot_candidates_range_is_what_slack_shows() -> None:
    from bot import config
    from bot.slack import render as slack_render

    assert config.MAX_CANDIDATES == 1 + slack_render.MAX_OTHERS
    assert config.load_config({"BOT_CANDIDATES": str(config.MAX_CANDIDATES)}).candidates == 3
    with pytest.raises(config.ConfigError, match="1~3"):
        config.load_config({"BOT_CANDIDATES": str(config.MAX_CANDIDATES + 1)})
    assert f"1~{config.MAX_CANDIDATES}" in settings_rows()["BOT_CANDIDATES"]
    env_example = (ROOT / "deploy" / "env.example").read_text(encoding="utf-8")
    assert f"1~{config.MAX_CANDIDATES}:" in env_example and "1~10" not in env_example


def test_settings_with_a_range_document_it() -> None:
    rows = settings_rows()
    assert "1~65535" in rows["PORT"]
    for level in ("DEBUG", "INFO", "WARNING", "ERROR"):
        assert level in rows["BOT_LOG_LEVEL"]
    assert "`text`" in rows["BOT_LOG_FORMAT"] and "`json`" in rows["BOT_LOG_FORMAT"]
    for word in ("1", "true", "0", "false"):
        assert f"`{word}`" in rows["BOT_LOG_QUESTIONS"]


def test_operators_are_told_how_to_add_an_article_and_reload() -> None:
    text = DEPLOY_README.read_text(encoding="utf-8")
    section = text.split("## 글 추가하기", 1)[1].split("\n## ", 1)[0]
    for step in ("corpus import", "corpus check", "systemctl reload icml2018-bot", "/healthz"):
        assert step in section, step
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "corpus import" in readme and "SIGHUP" in readme and HINT in readme
