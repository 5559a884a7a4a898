"""The stages of the monthly job, callable with plain arguments (the CLI is a thin layer).

One module per command: `inputs` (fetch, import, directory check), `rebuilding` (what the
store derives again from its archive), `rolling` (rollup),
`reporting` (the leadership report), `digesting` (the team-lead e-mails), `licensing` (the
license review), `exporting` (the facts and the rollup as Parquet) and `running` (the whole
job, and the demo); `org` is what they share: the
org chart of a run with every GitHub user matched to it, and the seats; `period_check` is the
refusal of a period without data, before anything is written or sent.
"""

from enrich import fetch as fetching
from enrich.job.digesting import DigestResult, digest, print_digest_result
from enrich.job.exporting import ExportResult, export, print_export_result
from enrich.job.inputs import (
    check_directory,
    fetch,
    import_files,
    import_status,
    print_directory_check,
    print_fetch_result,
    print_import_summary,
)
from enrich.job.licensing import (
    LicensesResult,
    license_review,
    license_summary,
    licenses,
    print_licenses_result,
)
from enrich.job.org import Org, load_org_chart, load_seats, period_input
from enrich.job.places import open_store
from enrich.job.rebuilding import print_rebuild_result, rebuild, rebuild_status
from enrich.job.reporting import ReportResult, monthly_trend, print_report_result, report
from enrich.job.rolling import RollupResult, print_rollup_result, rollup
from enrich.job.running import DEMO_MONTHS, RunResult, demo, print_run_result, run

__all__ = [
    "DEMO_MONTHS", "DigestResult", "ExportResult", "LicensesResult", "Org", "ReportResult",
    "RollupResult", "RunResult", "license_summary", "check_directory", "demo", "digest",
    "export", "fetch", "fetching",
    "import_files", "import_status", "license_review", "licenses", "load_org_chart",
    "load_seats", "monthly_trend", "open_store", "period_input", "print_digest_result",
    "print_directory_check", "print_export_result", "print_fetch_result", "print_import_summary",
    "print_licenses_result", "print_report_result", "print_rollup_result",
    "print_rebuild_result", "print_run_result", "rebuild", "rebuild_status", "report",
    "rollup", "run",
]
