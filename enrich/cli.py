"""The `enrich` command line: parses options, calls the core, turns errors into exit codes.

Nothing here computes anything; every command is a function of `enrich.job` that a test or a
notebook can call with plain arguments.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path

from enrich import __version__, job
from enrich.config import Config
from enrich.dates import Period, parse_day
from enrich.errors import ConfigError, EnrichError, ExitStatus

log = logging.getLogger("enrich")

CONFIG_ENV = "ENRICH_CONFIG"
DEFAULT_CONFIG = "enrich.yaml"

EXIT_HELP = """exit status:
  0  ok
  1  partial data: finished, but days were missing or rows were skipped
  2  usage: wrong command-line options
  3  bad configuration
  4  bad input: an input file or the org chart is invalid
  5  source unreachable
  6  the history store is unusable
"""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", metavar="FILE", default=argparse.SUPPRESS,
                        help=f"configuration file (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG}"
                             " if it exists, else built-in defaults)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="say more")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="only errors")
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS,
                        help="show the stack of an error (for debugging)")

    parser = argparse.ArgumentParser(
        prog="enrich", parents=[common], epilog=EXIT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="GitHub Copilot feature engagement, joined with the org chart.")
    parser.add_argument("--version", action="version", version=f"enrich {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    fetch = commands.add_parser("fetch", parents=[common],
                                help="bring the store up to date from GitHub's API")
    fetch.add_argument("--refresh", metavar="DAYS", type=int, default=0,
                       help="fetch the last DAYS days again, even those the store has")
    fetch.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                       help="fetch no day before this one (default: as far back as the API "
                            "keeps)")
    fetch.add_argument("--until", metavar="YYYY-MM-DD", type=_day,
                       help="fetch no day after this one (default: yesterday)")

    imp = commands.add_parser("import", parents=[common],
                              help="load engagement files and seat lists into the store")
    imp.add_argument("paths", nargs="+", metavar="FILE|DIR", type=Path)
    imp.add_argument("--covers", metavar="SINCE..UNTIL", type=_day_range,
                     help="the files are everything the source had for these days: days "
                          "without rows become empty instead of missing")
    imp.add_argument("--skip-bad-rows", action="store_true",
                     help="store the good rows of a file and write the bad ones to a rejects "
                          "file, instead of rejecting the whole file")
    imp.add_argument("--rejects", metavar="FILE", type=Path,
                     help="where --skip-bad-rows writes bad rows (default: OUTPUT/rejects.jsonl)")
    imp.add_argument("--seats-date", metavar="YYYY-MM-DD", type=_day,
                     help="the day a seat list was taken (default: today, UTC)")

    directory = commands.add_parser("directory", parents=[common], help="the org chart")
    directory_commands = directory.add_subparsers(dest="directory_command", metavar="COMMAND",
                                                  required=True)
    directory_commands.add_parser(
        "check", parents=[common],
        help="what the sources yield and what does not fit (writes directory-check.csv)")

    roll = commands.add_parser("rollup", parents=[common],
                               help="compute the per-unit metrics and write rollup files")
    _period_options(roll)
    roll.add_argument("--output", metavar="DIR", type=Path, help="default: the configured output")

    rep = commands.add_parser("report", parents=[common],
                              help="write the leadership report: HTML, PDF and CSV tables")
    _period_options(rep)
    rep.add_argument("--output", metavar="DIR", type=Path, help="default: the configured output")

    dig = commands.add_parser("digest", parents=[common],
                              help="write the team-lead e-mail digests to the outbox, or send "
                                   "them (--send)")
    _period_options(dig)
    dig.add_argument("--output", metavar="DIR", type=Path, help="default: the configured output")
    dig.add_argument("--send", action="store_true",
                     help="send through the configured SMTP server, to allowed domains only")
    dig.add_argument("--resend", action="store_true",
                     help="with --send: send again what the ledger says was already sent")

    lic = commands.add_parser("licenses", parents=[common],
                              help="write the cost-center license review: CSV, HTML and PDF")
    _period_options(lic)  # the seats are reviewed as of the period's last day
    lic.add_argument("--output", metavar="DIR", type=Path, help="default: the configured output")
    lic.add_argument("--export-reclaim", action="store_true",
                     help="also write the candidates per organization as JSON for GitHub's "
                          "seat-removal API, to review and apply by hand")

    run = commands.add_parser("run", parents=[common], help="the monthly job, end to end")
    _period_options(run)
    run.add_argument("--output", metavar="DIR", type=Path, help="default: the configured output")

    demo = commands.add_parser("demo", parents=[common],
                               help="generate a sample enterprise and run the job on it")
    demo.add_argument("--output", metavar="DIR", type=Path, default=Path("enrich-demo"),
                      help="folder for the sample data and the outputs (default: enrich-demo)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the sample")
    demo.add_argument("--people", type=int, default=300, help="size of the sample enterprise")
    demo.add_argument("--month", metavar="YYYY-MM",
                      help="the month the sample reports on (default: the previous month)")
    return parser


def _period_options(parser) -> None:
    parser.add_argument("--month", metavar="YYYY-MM", help="default: the previous calendar month")
    parser.add_argument("--since", metavar="YYYY-MM-DD")
    parser.add_argument("--until", metavar="YYYY-MM-DD")


def _day(text: str) -> int:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _day_range(text: str) -> tuple[int, int]:
    since, sep, until = text.partition("..")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected SINCE..UNTIL, got {text!r}")
    first, last = _day(since), _day(until)
    if first > last:
        raise argparse.ArgumentTypeError(f"{since} is after {until}")
    return first, last


def today() -> int:
    return parse_day(datetime.now(timezone.utc).date().isoformat())


def period_from(args) -> Period:
    if args.month and (args.since or args.until):
        raise ConfigError("give --month or --since/--until, not both")
    try:
        if args.month:
            return Period.month(args.month)
        if args.since or args.until:
            if not (args.since and args.until):
                raise ConfigError("--since and --until go together")
            return Period.of(args.since, args.until)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return Period.previous_month_of(datetime.now(timezone.utc).date())


def load_config(args) -> Config:
    path = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    if path:
        if not Path(path).exists():
            raise ConfigError("no such configuration file", path=path)
        return Config.load(path)
    if Path(DEFAULT_CONFIG).exists():
        return Config.load(DEFAULT_CONFIG)
    return Config.defaults(Path.cwd())


def _configure_logging(args, stderr) -> None:
    level = logging.INFO
    if getattr(args, "verbose", False):
        level = logging.DEBUG
    if getattr(args, "quiet", False):
        level = logging.ERROR
    handler = logging.StreamHandler(stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def main(argv=None, stdout=None, stderr=None) -> int:
    """Run `enrich`; returns the exit status. Streams are arguments so tests run in-process."""
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    _configure_logging(args, stderr)
    try:
        return int(_dispatch(args, stdout, stderr))
    except EnrichError as exc:
        if getattr(args, "traceback", False):
            traceback.print_exc(file=stderr)
        print(f"Error: {exc.message}", file=stderr)
        if exc.hint:
            print(f"Hint: {exc.hint}", file=stderr)
        return int(exc.exit_status)
    except KeyboardInterrupt:
        print("Interrupted.", file=stderr)
        return int(ExitStatus.INTERRUPTED)


def _dispatch(args, stdout, stderr) -> ExitStatus:
    quiet = getattr(args, "quiet", False)
    if quiet:
        stdout = io.StringIO()  # --quiet: errors only
    if args.command == "demo":
        month = args.month or Period.previous_month_of(
            datetime.now(timezone.utc).date()).label()
        return job.demo(args.output, month=month, seed=args.seed, people=args.people,
                        out=stdout, progress=not quiet)
    config = load_config(args)
    if args.command == "directory":
        report, path = job.check_directory(config, today=today())
        job.print_directory_check(report, path, stdout, stderr)
        return ExitStatus.BAD_INPUT if report.errors else ExitStatus.OK
    if args.command == "fetch":
        result = job.fetch(config, today=today(), refresh=args.refresh, since=args.since,
                           until=args.until, progress=not quiet)
        job.print_fetch_result(result, stdout, stderr)
        if result.stopped:
            raise result.stopped  # after the summary: its message and hint close the output
        return result.status
    if args.command == "import":
        summary = job.import_files(
            config, args.paths, covers=args.covers, skip_bad_rows=args.skip_bad_rows,
            rejects=args.rejects, seats_taken_on=args.seats_date or today(),
            progress=not quiet)
        job.print_import_summary(summary, stdout, stderr)
        return job.import_status(summary)
    period = period_from(args)
    if args.command == "rollup":
        result = job.rollup(config, period, output=args.output, as_of=today())
        job.print_rollup_result(result, stdout)
        return result.status
    if args.command == "report":
        result = job.report(config, period, output=args.output, as_of=today())
        job.print_report_result(result, stdout, stderr)
        return result.status
    if args.command == "digest":
        if args.resend and not args.send:
            raise ConfigError("--resend goes with --send")
        result = job.digest(config, period, as_of=today(), output=args.output, send=args.send,
                            resend=args.resend, progress=not quiet)
        job.print_digest_result(result, stdout, stderr)
        return result.status
    if args.command == "licenses":
        result = job.licenses(config, period, as_of=today(), output=args.output,
                              export=args.export_reclaim)
        job.print_licenses_result(result, stdout, stderr)
        return result.status
    if args.command == "run":
        result = job.run(config, period, output=args.output, as_of=today(), progress=not quiet)
        job.print_run_result(result, stdout)
        return result.status
    raise AssertionError(args.command)
