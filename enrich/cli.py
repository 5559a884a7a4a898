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
import time
import traceback
from datetime import datetime, timezone
from pathlib import Path

from enrich import __version__, job
from enrich.config import CONFIG_ENV, DEFAULT_CONFIG, Config
from enrich.dates import (
    LONGEST_PERIOD,
    Period,
    check_plausible,
    day_str,
    parse_day,
    utc_today,
)
from enrich.errors import ConfigError, EnrichError, ExitStatus, UsageError, print_error
from enrich.sample import PROFILES

log = logging.getLogger("enrich")

EXIT_HELP = """exit status:
    0  ok
    1  partial data: days were missing, rows were skipped, or digests were not confirmed sent
    2  wrong command-line options: unknown, malformed, or that do not go together
    3  bad configuration (the SMTP settings included), or a folder that cannot be written in
    4  bad input: an input file or the org chart is invalid
    5  a source could not be reached (GitHub, a directory server, the SMTP server)
    6  the history store is unusable, or there is none yet
    7  no data for the period: no day of it reported, or it is not over yet; nothing written
  130  interrupted (Ctrl-C)
"""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-c", "--config", metavar="FILE", default=argparse.SUPPRESS,
                        help=f"configuration file (default: ${CONFIG_ENV}, else ./{DEFAULT_CONFIG}"
                             " if it exists, else built-in defaults)")
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                        help="say more: the configuration file and store used, each file "
                             "imported, the time each stage took")
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

    def command(name, summary, description, within=commands):
        """A command: `summary` in the list of commands, `description` atop its --help."""
        return within.add_parser(name, parents=[common], help=summary, description=description)

    fetch = command("fetch", "bring the store up to date from GitHub's API",
                    "Fetch every day the store lacks, up to yesterday (UTC), from GitHub's API, "
                    "and the seats. A day that fails is listed and the others kept: run it "
                    "again to fetch what is missing.")
    fetch.add_argument("--refresh", metavar="DAYS", type=_at_least(0), default=0,
                       help="fetch the last DAYS days again, even those the store has")
    fetch.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                       help="fetch no day before this one (default: as far back as the API "
                            "keeps)")
    fetch.add_argument("--until", metavar="YYYY-MM-DD", type=_day,
                       help="fetch no day after this one (default: yesterday)")

    imp = command("import", "load engagement files and seat lists into the store",
                  "Load engagement files (GitHub's user-engagement or usage-metrics JSON) and "
                  "seat lists (the seats API's JSON) into the store. Folders are searched for "
                  "*.json, *.jsonl and *.ndjson files, each optionally gzipped; a file already "
                  "imported is recognised by its content.")
    imp.add_argument("paths", nargs="+", metavar="FILE|DIR", type=Path,
                     help="files, and folders to search for them")
    imp.add_argument("--covers", metavar="SINCE..UNTIL", type=_covered_days,
                     help="the files are everything the source had for these days (up to "
                          "yesterday, UTC): days without rows become empty instead of missing")
    imp.add_argument("--skip-bad-rows", action="store_true",
                     help="store the good rows of a file and write the bad ones to a rejects "
                          "file, instead of rejecting the whole file")
    imp.add_argument("--rejects", metavar="FILE", type=Path,
                     help="where --skip-bad-rows writes bad rows (default: OUTPUT/rejects.jsonl)")
    imp.add_argument("--seats-date", metavar="YYYY-MM-DD", type=_day,
                     help="the day a seat list was taken (default: today, UTC)")

    directory = command("directory", "the org chart",
                        "The org chart that the configured directory sources make.")
    directory_commands = directory.add_subparsers(dest="directory_command", metavar="COMMAND",
                                                  required=True)
    command("check", "what the sources yield and what does not fit (writes "
            "directory-check.csv)",
            "Show what each org-chart source yields, the errors that stop the job, and the "
            "warnings: people without a cost center or a manager, engaged GitHub users who "
            "match nobody (these need a store). Writes them all to directory-check.csv.",
            within=directory_commands)

    rebuild = command("rebuild", "derive again what the store keeps from its archive",
                      "Derive again, from the archived copies of the files imported, what the "
                      "store keeps of them, without fetching anything.")
    rebuild_commands = rebuild.add_subparsers(dest="rebuild_command", metavar="COMMAND",
                                              required=True)
    depth = command("depth", "the depth of use of usage-metrics days imported before enrich "
                    "kept it",
                    "Read the archived usage-metrics files again and store the depth of use "
                    "of their days (interactions, code generated and accepted, lines of code, "
                    "AI credits, IDEs, modes, languages, models). One transaction per file; "
                    "running it again changes nothing.", within=rebuild_commands)
    depth.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                       help="only files with rows of this day or later (default: all)")
    depth.add_argument("--until", metavar="YYYY-MM-DD", type=_day,
                       help="only files with rows of this day or earlier (default: all)")

    roll = command("rollup", "compute the per-unit metrics and write rollup files",
                   "Compute every metric of a period per unit (team, cost center, management "
                   "chain) and write rollup.json, a CSV per dimension and unmatched.csv. "
                   f"{NO_DATA_RULE}")
    _period_options(roll)
    _output_option(roll)

    rep = command("report", "write the leadership report: HTML, PDF and CSV tables",
                  "Write the leadership report of a period: report.html, report.pdf and the "
                  f"CSVs of its tables. {NO_DATA_RULE}")
    _period_options(rep)
    _output_option(rep)

    dig = command("digest", "write the team-lead e-mail digests to the outbox, or send them "
                  "(--send)",
                  "Write one e-mail per team lead, about their own people, into the outbox; "
                  "with --send, send them through the configured SMTP server, each at most "
                  f"once. {NO_DATA_RULE}")
    _period_options(dig)
    _output_option(dig)
    dig.add_argument("--send", action="store_true",
                     help="send through the configured SMTP server, to allowed domains only")
    dig.add_argument("--resend", nargs="*", metavar="ADDRESS",
                     help="with --send: send again what the ledger has as sent or possibly "
                          "sent: every digest, or only those to the addresses given")
    dig.add_argument("--allow-missing", action="store_true",
                     help="with --send: send even when more of the period's days have no data "
                          "than digest.max_missing_share")

    lic = command("licenses", "write the cost-center license and spend review: CSV, HTML, PDF",
                  "Review the seats as of the period's last day and the spend over the "
                  "period (seats at list price, usage as GitHub billed it), per cost center: "
                  "licenses.csv, reclaim.csv, chargeback.csv, spend.csv, licenses-trend.csv, "
                  "licenses.html and licenses.pdf. "
                  f"{NO_DATA_RULE}")
    _period_options(lic)
    _output_option(lic)
    lic.add_argument("--export-reclaim", action="store_true",
                     help="also write the candidates per organization as JSON for GitHub's "
                          "seat-removal API, to review and apply by hand")

    run = command("run", "the monthly job, end to end",
                  "Run the stages of run.stages (fetch, import of the inbox, rollup, report, "
                  "digest, licenses) for a period and write run-summary.json; each stage's "
                  "warnings and errors are printed as its own command prints them. "
                  f"{NO_DATA_RULE}")
    _period_options(run)
    _output_option(run)

    exp = command("export", "write the per-person, per-day facts and the rollup as Parquet",
                  "Write the engagement, depth of use and billed usage of each person and day, "
                  "and the rollup, as Parquet files partitioned by month "
                  "(KIND/month=YYYY-MM/part-0.parquet), for a data warehouse; each month "
                  "written replaces the files of an earlier export of it. Without --month or "
                  "--since/--until: every month the store has that is over. A period without "
                  "a reported day, or not over yet, is refused (exit status 7) and nothing is "
                  "written.")
    _period_options(exp, "every month the store has that is over")
    _output_option(exp)

    demo = command("demo", "generate a sample enterprise and run the job on it",
                   "Generate a sample enterprise (an org chart, seats and six months of "
                   "engagement), import it and run the whole job on it.")
    demo.add_argument("--output", metavar="DIR", type=Path, default=Path("enrich-demo"),
                      help="folder for the sample data and the outputs (default: enrich-demo)")
    demo.add_argument("--seed", type=int, default=7, help="random seed of the sample")
    least = PROFILES["demo"].min_people
    demo.add_argument("--people", type=_at_least(least, "the smallest sample enterprise"),
                      default=300, help=f"size of the sample enterprise, at least {least} "
                                        "(default: 300)")
    demo.add_argument("--month", metavar="YYYY-MM", type=_month,
                      help="the month the sample reports on (default: the previous month)")
    return parser


#: what the commands that publish figures refuse
NO_DATA_RULE = ("A period without a reported day, or not over yet, is refused (exit status 7) "
                "and nothing is written.")


def _period_options(parser, default: str = "the previous one") -> None:
    parser.add_argument("--month", metavar="YYYY-MM", type=_month,
                        help=f"a calendar month (default: {default})")
    parser.add_argument("--since", metavar="YYYY-MM-DD", type=_day,
                        help="the first day of the period, instead of --month (with --until)")
    parser.add_argument("--until", metavar="YYYY-MM-DD", type=_day,
                        help="the last day of the period, before today (with --since)")


def _output_option(parser) -> None:
    parser.add_argument("--output", metavar="DIR", type=Path,
                        help="folder of the files written (default: the output setting)")


# Option types: a malformed value is a usage error (exit status 2) naming the option.

def _day(text: str) -> int:
    try:
        day = parse_day(text)
        check_plausible(text, day, day)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return day


def _month(text: str) -> Period:
    try:
        month = Period.month(text)
        check_plausible(text, month.since, month.until)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return month


def _at_least(least: int, why: str = ""):
    """The type of a whole number, `least` or more (`why`, when that is not obvious)."""

    def whole_number(text: str) -> int:
        if not (text.isascii() and text.isdigit()) or int(text) < least:
            raise argparse.ArgumentTypeError(
                f"expected a whole number, {least} or more{f' ({why})' if why else ''}, "
                f"got {text!r}")
        return int(text)

    return whole_number


def _day_range(text: str) -> tuple[int, int]:
    since, sep, until = text.partition("..")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected SINCE..UNTIL, got {text!r}")
    first, last = _day(since), _day(until)
    if first > last:
        raise argparse.ArgumentTypeError(f"{since} is after {until}")
    return first, last


def _covered_days(text: str) -> tuple[int, int]:
    """A `--covers` range: only a day that is over can be known to have had no rows."""
    first, last = _day_range(text)
    now = today()
    if last >= now:
        start = max(first, now)
        not_over = f"{day_str(start)} is" if start == last else \
            f"{day_str(start)} to {day_str(last)} are"
        raise argparse.ArgumentTypeError(
            f"{not_over} not over yet (today is {day_str(now)}, UTC): a day can be declared "
            "covered once it has ended")
    return first, last


def today() -> int:
    """The current day, UTC."""
    return utc_today()


def period_from(args) -> Period | None:
    """The period of the options; without any, the previous month (None for `export`: the
    months of the store)."""
    if args.month and (args.since is not None or args.until is not None):
        raise UsageError("give --month or --since/--until, not both")
    if args.month:
        return args.month
    if args.since is None and args.until is None:
        if args.command == "export":
            return None
        return Period.previous_month_of(datetime.now(timezone.utc).date())
    if args.since is None or args.until is None:
        raise UsageError("--since and --until go together")
    _check_order(args.since, args.until)
    if args.until - args.since + 1 > LONGEST_PERIOD:
        raise UsageError(f"--since {day_str(args.since)} to --until {day_str(args.until)} is "
                         f"longer than {LONGEST_PERIOD} days (ten years)")
    return Period.between(args.since, args.until)


def _check_order(since: int | None, until: int | None) -> None:
    if since is not None and until is not None and since > until:
        raise UsageError(f"--since {day_str(since)} is after --until {day_str(until)}")


def load_config(args) -> Config:
    path = getattr(args, "config", None) or os.environ.get(CONFIG_ENV)
    if path:
        if not Path(path).exists():
            raise ConfigError("no such configuration file", path=path)
    elif Path(DEFAULT_CONFIG).exists():
        path = DEFAULT_CONFIG
    else:
        log.debug("configuration: none found (no --config, no $%s, no ./%s): the built-in "
                  "defaults", CONFIG_ENV, DEFAULT_CONFIG)
        return Config.defaults(Path.cwd())
    log.debug("configuration: %s", Path(path).resolve())
    return Config.load(path)


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
    started = time.monotonic()
    try:
        return int(_dispatch(args, stdout, stderr))
    except EnrichError as exc:
        if getattr(args, "traceback", False):
            traceback.print_exc(file=stderr)
        print_error(exc.message, exc.hint, stderr)
        return int(exc.exit_status)
    except KeyboardInterrupt:
        print("Interrupted.", file=stderr)
        return int(ExitStatus.INTERRUPTED)
    finally:
        log.debug("%s: %.1f s in all", args.command, time.monotonic() - started)


_PERIOD_COMMANDS = ("rollup", "report", "digest", "licenses", "run", "export")


def _dispatch(args, stdout, stderr) -> ExitStatus:
    quiet = getattr(args, "quiet", False)
    if quiet:
        stdout = io.StringIO()  # --quiet: errors only
    if args.command == "demo":
        month = args.month or Period.previous_month_of(datetime.now(timezone.utc).date())
        return job.demo(args.output, month=month.label(), seed=args.seed, people=args.people,
                        out=stdout, progress=not quiet)
    # the command line is checked whole before the configuration is read
    period = period_from(args) if args.command in _PERIOD_COMMANDS else None
    if args.command in ("fetch", "rebuild"):
        _check_order(args.since, args.until)
    if args.command == "digest" and not args.send:
        if args.resend is not None:
            raise UsageError("--resend goes with --send")
        if args.allow_missing:
            raise UsageError("--allow-missing goes with --send: the outbox is always written")
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
            rejects=args.rejects, seats_taken_on=args.seats_date or today(), today=today(),
            progress=not quiet)
        job.print_import_summary(summary, stdout, stderr)
        return job.import_status(summary)
    if args.command == "rebuild":
        result = job.rebuild(config, since=args.since, until=args.until, today=today(),
                             progress=not quiet)
        job.print_rebuild_result(result, stdout, stderr)
        return job.rebuild_status(result)
    if args.command == "rollup":
        result = job.rollup(config, period, output=args.output, as_of=today())
        job.print_rollup_result(result, stdout)
        return result.status
    if args.command == "report":
        result = job.report(config, period, output=args.output, as_of=today())
        job.print_report_result(result, stdout, stderr)
        return result.status
    if args.command == "digest":
        # --resend alone: every digest; with addresses: only theirs
        resend = args.resend or args.resend is not None
        result = job.digest(config, period, as_of=today(), output=args.output, send=args.send,
                            resend=resend, allow_missing=args.allow_missing,
                            progress=not quiet)
        job.print_digest_result(result, stdout, stderr)
        return result.status
    if args.command == "licenses":
        result = job.licenses(config, period, as_of=today(), output=args.output,
                              export=args.export_reclaim)
        job.print_licenses_result(result, stdout, stderr)
        return result.status
    if args.command == "export":
        result = job.export(config, period, output=args.output, as_of=today())
        job.print_export_result(result, stdout)
        return result.status
    if args.command == "run":
        result = job.run(config, period, output=args.output, as_of=today(), progress=not quiet)
        job.print_run_result(result, stdout, stderr)
        return result.status
    raise AssertionError(args.command)
