"""The stages of the monthly job, callable with plain arguments (the CLI is a thin layer).

One module per command: `inputs` (fetch, import, directory check), `rebuilding` (what the
store derives again from its archive), `rolling` (rollup),
`reporting` (the leadership report), `digesting` (the team-lead e-mails), `licensing` (the
license review), `exporting` (the facts and the rollup as Parquet) and `running` (the whole
job, and the demo); `org` is what they share: the
org chart of a run with every GitHub user matched to it, and the seats; `period_check` is the
refusal of a period without data, before anything is written or sent.
"""

import importlib

#: where each name of the package is: a command loads only the modules it runs (a seat
#: import needs neither WeasyPrint's neighbours nor the mail modules)
_HOMES = {
    "fetching": "enrich.fetch",
    **dict.fromkeys(("DigestResult", "digest", "print_digest_result"), "enrich.job.digesting"),
    **dict.fromkeys(("ExportResult", "export", "print_export_result"), "enrich.job.exporting"),
    **dict.fromkeys(("check_directory", "fetch", "import_files", "import_status",
                     "print_directory_check", "print_fetch_result", "print_import_summary"),
                    "enrich.job.inputs"),
    **dict.fromkeys(("LicensesResult", "license_review", "license_summary", "licenses",
                     "print_licenses_result"), "enrich.job.licensing"),
    **dict.fromkeys(("Org", "load_org_chart", "load_seats", "period_input"), "enrich.job.org"),
    "open_store": "enrich.job.places",
    **dict.fromkeys(("print_rebuild_result", "rebuild", "rebuild_status"),
                    "enrich.job.rebuilding"),
    **dict.fromkeys(("ReportResult", "monthly_trend", "print_report_result", "report"),
                    "enrich.job.reporting"),
    **dict.fromkeys(("RollupResult", "print_rollup_result", "rollup"), "enrich.job.rolling"),
    **dict.fromkeys(("DEMO_MONTHS", "RunResult", "demo", "print_run_result", "run"),
                    "enrich.job.running"),
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_HOMES[name])
    value = module if name == "fetching" else getattr(module, name)
    globals()[name] = value
    return value


__all__ = sorted(_HOMES)
