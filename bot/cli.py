"""Command line: ``icml2018-bot`` (= ``python -m bot``).

Heavy imports (Kiwi, Slack) happen inside the commands that need them, so
``ask`` and the console never load slack_bolt, and ``--help`` is instant.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path


def _default_corpus() -> Path:
    """The corpus shipped inside the package (bot/articles/ once installed from a wheel or
    ``pip install .``), else the checkout's corpus/ (a source tree or an editable install)."""
    package = Path(__file__).resolve().parent
    bundled = package / "articles"
    return bundled if bundled.is_dir() else package.parent / "corpus"


DEFAULT_CORPUS = _default_corpus()
EXIT_USAGE = 2
MAX_K = 10


def _k(value: str) -> int:
    """``-k``: how many passages to consider, 1 to MAX_K (as BOT_CANDIDATES)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"정수여야 합니다: {value!r}") from None
    if not 1 <= number <= MAX_K:
        raise argparse.ArgumentTypeError(f"1~{MAX_K} 사이여야 합니다 (받은 값: {number})")
    return number


def _config(args: argparse.Namespace):  # -> bot.config.Config
    from bot.config import load_config

    return load_config(config_file=getattr(args, "config", None))


def _corpus_dir(args: argparse.Namespace) -> Path:
    if getattr(args, "corpus", None):
        return Path(args.corpus)
    return _config(args).corpus_dir or DEFAULT_CORPUS


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"icml2018-bot: {message}", file=sys.stderr)
    return code


def _answerer(args: argparse.Namespace, *, k: int = 3):  # -> Answerer
    from bot.answer import Answerer

    return Answerer.from_folder(_corpus_dir(args), cache_dir=_config(args).cache_dir, k=k)


def cmd_ask(args: argparse.Namespace) -> int:
    from bot.guide import Guide
    from bot.render_text import render

    answerer = _answerer(args, k=args.k)
    guide = Guide.from_corpus(answerer.index.corpus)

    def emit(question: str) -> None:
        answer = answerer.answer(question)
        if args.json:
            print(json.dumps(answer.as_dict(), ensure_ascii=False), flush=True)
        else:
            print(render(answer, guide=guide), flush=True)
            if args.question is None:
                print(flush=True)

    if args.question is not None:
        emit(args.question)
        return 0
    for line in sys.stdin:
        emit(line.rstrip("\r\n"))
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import run_console

    return run_console(_answerer(args, k=args.k))


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.corpus import load_eval_questions
    from bot.evaluate import evaluate, split_halves
    from bot.render_eval import render_reports
    from bot.search.rank import Options

    try:
        options = Options().without(*args.without)
    except ValueError as exc:
        return _fail(str(exc))
    answerer = _answerer(args)
    answerer.options = options
    out: dict[str, object] = {}
    for name in args.questions:
        questions = load_eval_questions(Path(name))
        parts = {**split_halves(questions), "all": questions}
        if args.half != "both":
            parts = {args.half: parts[args.half]}
        reports = {h: evaluate(answerer, qs) for h, qs in parts.items()}
        if args.json:
            out[name] = {
                h: {
                    "metrics": r.metrics(),
                    "hit@1_by_kind": r.per_kind(),
                    "misses": [
                        {
                            "q": o.question.q,
                            "kind": o.question.kind,
                            "status": o.status,
                            "rank": o.rank,
                            "cited": o.cited,
                            "quoted": o.quoted,
                            "top": o.top,
                        }
                        for o in r.misses()
                    ],
                }
                for h, r in reports.items()
            }
        else:
            print(render_reports(Path(name).name, reports), flush=True)
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def cmd_corpus_check(args: argparse.Namespace) -> int:
    from bot.corpus import check_corpus

    folder = Path(args.dir) if args.dir else _corpus_dir(args)
    corpus, problems = check_corpus(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    if corpus is None:
        errors = sum(p.error for p in problems)
        print(f"코퍼스 검사 실패: 오류 {errors}개 ({folder})", file=sys.stderr)
        return 1
    print(f"코퍼스 정상: 문서 {len(corpus.articles)}개, 문단 {len(corpus.passages)}개 ({folder})")
    return 0


def cmd_corpus_import(args: argparse.Namespace) -> int:
    """Markdown article -> corpus YAML; re-importing over ``-o`` keeps its passage ids."""
    from bot.corpus import check_article_data, check_corpus, dump_article, load_article
    from bot.corpus_import import MarkdownImportError, import_markdown

    source = Path(args.markdown)
    try:
        markdown = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{source}를 읽을 수 없습니다 ({exc.__class__.__name__})", 1)
    article_id = args.id or re.sub(r"[^a-z0-9]+", "-", source.stem.lower()).strip("-")
    out = Path(args.output) if args.output else None
    previous = load_article(out) if out is not None and out.is_file() else None
    try:
        result = import_markdown(
            markdown,
            article_id=article_id,
            title=args.title,
            author=args.author,
            source=f"Markdown 원고 {source.name}에서 가져옴 (icml2018-bot corpus import)",
            previous=previous,
        )
    except MarkdownImportError as exc:
        return _fail(str(exc), 1)
    for warning in result.warnings:
        print(f"경고: {warning}", file=sys.stderr)
    header = f"{result.data['title']} — icml2018-bot corpus import {source.name}"
    text = dump_article(result.data, header=header)
    problems = check_article_data(result.data, str(out or source))
    if any(p.error for p in problems):
        for problem in problems:
            print(problem, file=sys.stderr)
        return _fail("가져온 문서가 코퍼스 검사를 통과하지 못했습니다 (파일을 쓰지 않았습니다)", 1)
    summary = f"문단 {result.passage_count}개, 각주 {result.footnote_count}개" + (
        ", 바뀌지 않은 문단은 이전 id 유지" if previous else ""
    )
    if out is None:
        sys.stdout.write(text)
        print(f"가져옴: {summary}", file=sys.stderr)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(f"가져옴: {out} ({summary})")
    corpus, folder_problems = check_corpus(out.parent)
    for problem in folder_problems:
        print(problem, file=sys.stderr)
    if corpus is None:
        return _fail(f"{out.parent} 코퍼스 검사 실패: 위 오류를 고치세요", 1)
    counts = f"문서 {len(corpus.articles)}개, 문단 {len(corpus.passages)}개"
    print(f"코퍼스 정상: {counts} ({out.parent})")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    """Analyse the corpus now and store the index cache (for image builds)."""
    from bot.answer import Answerer

    answerer = Answerer.from_folder(_corpus_dir(args), cache_dir=_config(args).cache_dir)
    print(f"색인 준비 완료: 문단 {len(answerer.index.corpus.passages)}개")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bot.bench import main_bench

    return main_bench(_corpus_dir(args), args.runs, args.requests)


def cmd_run(args: argparse.Namespace) -> int:
    """Pick the mode from the settings: Socket Mode, HTTP, or the console."""
    config = _config(args)
    if config.slack_bot_token and config.slack_app_token:
        return cmd_socket(args)
    if config.slack_bot_token and config.slack_signing_secret:
        args.host, args.port = "0.0.0.0", None
        return cmd_serve(args)
    return cmd_console(args)


def _store(config):  # -> bot.store.resilient.ResilientStore
    """The bot's store (SQLite file by default, PostgreSQL with DATABASE_URL)."""
    from bot.search.index import default_cache_dir
    from bot.store.factory import open_store

    return open_store(config, default_cache_dir())


def _slack_setup(args: argparse.Namespace, *required: str):  # -> (Config, LiveAnswerer)
    from bot.config import load_config
    from bot.logs import setup_logging
    from bot.reload import LiveAnswerer

    config = load_config(config_file=getattr(args, "config", None))
    config.require(*required)
    setup_logging(level=config.log_level, fmt=config.log_format, secrets=config.secrets)
    corpus_dir = Path(args.corpus) if getattr(args, "corpus", None) else config.corpus_dir
    live = LiveAnswerer.from_folder(
        corpus_dir or DEFAULT_CORPUS, cache_dir=config.cache_dir, k=config.candidates
    )
    return config, live


def cmd_serve(args: argparse.Namespace) -> int:
    """HTTP mode: refuses to start without a bot token and a signing secret."""
    config, live = _slack_setup(args, "slack_bot_token", "slack_signing_secret")
    from bot.slack.app import build_app
    from bot.slack.runners import serve_http

    bot = build_app(config, live, store=_store(config))
    port = args.port or config.port
    return serve_http(bot, host=args.host, port=port, log_level=config.log_level, live=live)


def cmd_socket(args: argparse.Namespace) -> int:
    config, live = _slack_setup(args, "slack_bot_token", "slack_app_token")
    from bot.slack.app import build_app
    from bot.slack.runners import serve_socket_mode

    bot = build_app(config, live, for_socket_mode=True, store=_store(config))
    return serve_socket_mode(bot, app_token=str(config.slack_app_token), live=live)


def cmd_report(args: argparse.Namespace) -> int:
    """What was asked, what went unanswered, how answers were rated."""
    from bot.report import ReportError, build_report, parse_since, render
    from bot.search.index import default_cache_dir
    from bot.store.base import utcnow
    from bot.store.factory import StoreUnavailable, read_log

    config = _config(args)
    now = utcnow()
    try:
        since = parse_since(args.since, now)
    except ReportError as exc:
        return _fail(str(exc))
    try:
        questions, votes = read_log(config, default_cache_dir(), since)
    except StoreUnavailable as exc:
        return _fail(str(exc), code=1)
    print(render(build_report(questions, votes, since=since, until=now), args.format))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="icml2018-bot",
        description="두 글(2018 ICML 참관기, 수학자와 인공지능)에 대한 질문에 답하는 봇",
    )
    sub = parser.add_subparsers(dest="command")

    def add(name: str, help_: str, func, *, corpus: bool = True) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        if corpus:
            p.add_argument("--corpus", metavar="DIR", help="코퍼스 폴더 (기본: corpus/)")
        p.set_defaults(func=func)
        return p

    p = add("ask", "질문 하나(또는 표준 입력의 줄마다)에 답합니다", cmd_ask)
    p.add_argument("question", nargs="?", help="질문 (없으면 표준 입력에서 한 줄에 하나씩)")
    p.add_argument("--json", action="store_true", help="JSON 한 줄로 출력")
    p.add_argument("-k", type=_k, default=3, help="후보 문단 수 (기본 3)")

    p = add("console", "터미널에서 대화형으로 질문합니다", cmd_console)
    p.add_argument("-k", type=_k, default=3, help="후보 문단 수 (기본 3)")

    p = add("eval", "질문 파일로 검색 품질을 측정합니다", cmd_eval)
    p.add_argument("questions", nargs="+", help="질문 YAML 파일 (dev_questions.yaml 형식)")
    p.add_argument("--json", action="store_true", help="JSON으로 출력")
    p.add_argument(
        "--half",
        choices=("both", "tune", "held", "all"),
        default="both",
        help="고정된 두 절반(tune: 조정용, held: 보고용) 중 무엇을 잴지 (기본: both)",
    )
    p.add_argument(
        "--without",
        nargs="*",
        default=(),
        metavar="MECHANISM",
        help="끄고 잴 검색 기법 (ablation): "
        + "soft, paraphrases, compound, joined, filler, figure, sources, author, counts, "
        + "position, exclusion, premise, relation",
    )

    p = add(
        "corpus",
        "코퍼스 관리",
        lambda a: _fail("사용법: icml2018-bot corpus check [DIR] | corpus import ARTICLE.md"),
        corpus=False,
    )
    corpus_sub = p.add_subparsers(dest="corpus_command")
    check = corpus_sub.add_parser("check", help="코퍼스 폴더를 검사합니다")
    check.add_argument("dir", nargs="?", help="코퍼스 폴더 (기본: corpus/)")
    check.set_defaults(func=cmd_corpus_check)
    imp = corpus_sub.add_parser(
        "import",
        help="Markdown 글을 코퍼스 YAML로 바꿉니다",
        description="Markdown 글을 코퍼스 YAML로 바꿉니다. -o 파일이 이미 있으면 "
        "바뀌지 않은 문단의 id를 그대로 씁니다.",
    )
    imp.add_argument("markdown", metavar="ARTICLE.md", help="가져올 Markdown 파일")
    imp.add_argument("--id", help="문서 id (기본: 파일 이름)")
    imp.add_argument("--author", help="저자 (기본: '글 | 이름 …' 줄에서)")
    imp.add_argument("--title", help="제목 (기본: 첫 제목 줄)")
    imp.add_argument("-o", "--output", metavar="FILE", help="쓸 파일 (기본: 표준 출력)")
    imp.set_defaults(func=cmd_corpus_import)

    p = add("bench", "성능을 측정합니다 (시작 시간, 질문당 비용, 메모리, 규모, HTTP)", cmd_bench)
    p.add_argument("--runs", type=int, default=5, help="반복 횟수 (기본 5)")
    p.add_argument("--requests", type=int, default=1000, help="HTTP 요청 수 (기본 1000)")

    add("index", "코퍼스를 분석해 색인 캐시를 미리 만듭니다", cmd_index)

    p = add(
        "report",
        "질문 기록 보고서: 날짜별 답변, 많이 물어본 문단, 답하지 못한 질문, 👍/👎",
        cmd_report,
        corpus=False,
    )
    p.add_argument("--since", default="7d", help="기간 (7d, 24h, 2w 또는 2026-03-01; 기본 7d)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--config", metavar="FILE", help="설정 YAML 파일 (기본: BOT_CONFIG)")

    p = add("run", "환경 변수에 따라 Socket Mode, HTTP 또는 콘솔로 실행합니다", cmd_run)
    p.add_argument("-k", type=_k, default=3, help=argparse.SUPPRESS)
    p.add_argument("--config", metavar="FILE", help="설정 YAML 파일 (기본: BOT_CONFIG)")

    p = add("serve", "HTTP 모드로 Slack 요청을 받습니다", cmd_serve)
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=None, help="포트 (기본: PORT 또는 3000)")
    p.add_argument("--config", metavar="FILE", help="설정 YAML 파일 (기본: BOT_CONFIG)")

    p = add("socket", "Socket Mode로 Slack에 연결합니다", cmd_socket)
    p.add_argument("--config", metavar="FILE", help="설정 YAML 파일 (기본: BOT_CONFIG)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from bot.config import ConfigError
    from bot.corpus import CorpusError

    try:
        return int(args.func(args))
    except CorpusError as exc:
        return _fail(f"코퍼스를 읽을 수 없습니다:\n{exc}")
    except ConfigError as exc:
        return _fail(f"설정 오류: {exc}")
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
