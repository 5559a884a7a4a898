"""The peer of the benchmark: the DuckDB script an analyst would write over the same files.

    python bench/analyst.py bench/data --month 2025-03 [--runs 3]

It reads the engagement files with `read_ndjson`, keeps the active user-days of the month
(seed format: any `*_engagement` column at 1; usage-metrics reports: any feature used, as
enrich's default rules read GitHub's fields), matches logins to the org chart's people
(`org.json`: its `github` logins, else the EMU login made of the username, as the identity
rules of enrich do) and gives the adoption of the month per team (subtree totals) and per
cost center (a person's own, else the nearest unit's up the tree), the population being the
seat holders and whoever engaged. Nothing is checked row by row, nothing is kept, there is no
previous period and no manager dimension: it is the least a columnar engine takes to answer the
question, the figure `run.py` holds the import and the rollup against.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

#: org.json is one JSON document; DuckDB's default limit for one is 16 MB
_MAX_OBJECT_BYTES = 1 << 30


def analyst_month(data: Path, month: str, files: list[Path] | None = None,
                  threads: int | None = None) -> dict:
    """Adoption per team and per cost center of `month` (YYYY-MM), from the org chart and
    engagement files that bench/generate.py wrote in `data` (all of them unless `files`)."""
    import duckdb  # the bench extra; imported here so that run.py starts without it

    files = files or sorted((data / "inbox").glob("*.json*"))
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {threads}")
    con.execute(f"""
        CREATE TEMP TABLE org AS
        SELECT * FROM read_json(?, maximum_object_size = {_MAX_OBJECT_BYTES})""",
                [str(data / "org.json")])
    short_code = con.execute("SELECT lower(emu_short_code) FROM org").fetchone()[0]
    con.execute("""
        CREATE TEMP TABLE units AS SELECT unnest(units, recursive := true) FROM org;
        CREATE TEMP TABLE people AS SELECT unnest(people, recursive := true) FROM org;
        -- every unit with each of its ancestors (itself included) and how far up it is
        CREATE TEMP TABLE ancestors AS
        WITH RECURSIVE up(unit, ancestor, depth) AS (
            SELECT id, id, 0 FROM units
            UNION ALL
            SELECT up.unit, u.parent, up.depth + 1
            FROM up JOIN units u ON u.id = up.ancestor WHERE u.parent IS NOT NULL)
        SELECT * FROM up;
        CREATE TEMP TABLE unit_cost_center AS
        SELECT a.unit, arg_min(u.cost_center, a.depth) AS cost_center
        FROM ancestors a JOIN units u ON u.id = a.ancestor
        WHERE u.cost_center IS NOT NULL GROUP BY a.unit;
    """)
    # the EMU login GitHub makes of a username: up to '@', every character but ASCII letters
    # and digits made '-', then '_' and the short code
    con.execute("""
        CREATE TEMP TABLE login_keys AS
        SELECT lower(unnest(github)) AS login, id FROM people WHERE github IS NOT NULL
        UNION ALL
        SELECT lower(regexp_replace(split_part(username, '@', 1), '[^A-Za-z0-9]', '-', 'g'))
               || '_' || ?, id FROM people WHERE username IS NOT NULL""", [short_code])
    first, last = f"{month}-01", _month_end(month)
    query = _USAGE_METRICS_ACTIVE if _is_usage_metrics(files[0]) else _SEED_ACTIVE
    con.execute(query, [[str(f) for f in files], first, last])
    con.execute("""
        CREATE TEMP TABLE person AS
        WITH engaged AS (
            SELECT k.id, count(DISTINCT a.day) AS active_days
            FROM active a JOIN login_keys k USING (login) GROUP BY k.id)
        SELECT p.id, p.unit, coalesce(p.cost_center, c.cost_center, '(none)') AS cost_center,
               e.id IS NOT NULL AS engaged, coalesce(e.active_days, 0) AS active_days,
               p.seat OR e.id IS NOT NULL AS in_population
        FROM people p LEFT JOIN engaged e USING (id)
        LEFT JOIN unit_cost_center c ON c.unit = p.unit""")
    teams = con.execute("""
        SELECT a.ancestor AS team, count(*) FILTER (in_population) AS population,
               count(*) FILTER (engaged) AS engaged,
               count(*) FILTER (engaged) / nullif(count(*) FILTER (in_population), 0)
                   AS adoption_rate
        FROM person p JOIN ancestors a ON a.unit = p.unit
        GROUP BY a.ancestor ORDER BY a.ancestor""").fetchall()
    cost_centers = con.execute("""
        SELECT cost_center, count(*) FILTER (in_population) AS population,
               count(*) FILTER (engaged) AS engaged,
               count(*) FILTER (engaged) / nullif(count(*) FILTER (in_population), 0)
                   AS adoption_rate
        FROM person GROUP BY cost_center ORDER BY cost_center""").fetchall()
    user_days = con.execute("SELECT count(*) FROM active").fetchone()[0]
    con.close()
    return {"teams": teams, "cost_centers": cost_centers, "active_user_days": user_days}


#: the active user-days of seed-format files: any `*_engagement` column at 1
_SEED_ACTIVE = """
    CREATE TEMP TABLE active AS
    SELECT DISTINCT lower(login) AS login, CAST(day AS DATE) AS day
    FROM read_ndjson(?)
    WHERE CAST(day AS DATE) BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
      AND greatest(*COLUMNS('_engagement$')) = 1"""

#: the active user-days of usage-metrics (`users-1-day`) files: a day someone used any feature,
#: as GitHub's fields say it (the rules of enrich's default `usage_metrics.features`): the
#: agent, the CLI or active code review flagged, or an entry of `totals_by_feature` for code
#: completion with a suggestion accepted, or for inline or panel chat with a prompt. Only the
#: fields it reads are named, so that DuckDB neither infers nor keeps the rest of each row.
_USAGE_METRICS_ACTIVE = """
    CREATE TEMP TABLE active AS
    SELECT DISTINCT lower(user_login) AS login, day
    FROM read_ndjson(?, columns = {
        day: 'DATE', user_login: 'VARCHAR', used_agent: 'BOOLEAN', used_cli: 'BOOLEAN',
        used_copilot_code_review_active: 'BOOLEAN',
        totals_by_feature: 'STRUCT(feature VARCHAR, user_initiated_interaction_count BIGINT,
                                   code_acceptance_activity_count BIGINT)[]'})
    WHERE day BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)
      AND (used_agent OR used_cli OR used_copilot_code_review_active
           OR list_bool_or([
                  (f.feature = 'code_completion' AND f.code_acceptance_activity_count >= 1)
                  OR ((f.feature = 'chat_inline' OR starts_with(f.feature, 'chat_panel_'))
                      AND f.user_initiated_interaction_count >= 1)
                  FOR f IN totals_by_feature]))"""


def _is_usage_metrics(path: Path) -> bool:
    """Whether a day file is a usage-metrics report (its first row names `user_login` or has
    `totals_by_feature`, as enrich tells the formats apart) rather than seed format."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as fh:
        first = fh.readline()
    return b'"user_login"' in first or b'"totals_by_feature"' in first


def _month_end(month: str) -> str:
    import calendar

    year, number = map(int, month.split("-"))
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"


def timed_analyst(data: Path, month: str, files: list[Path] | None = None) -> tuple[float, dict]:
    """Seconds the analyst's script takes, and what it found."""
    start = time.perf_counter()
    result = analyst_month(data, month, files)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="folder written by bench/generate.py")
    parser.add_argument("--month", required=True, help="the month (YYYY-MM)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        seconds, result = timed_analyst(args.data, args.month)
        times.append(seconds)
    enterprise = max(result["teams"], key=lambda row: row[1])
    print(f"{len(result['teams'])} teams, {len(result['cost_centers'])} cost centers, "
          f"{result['active_user_days']} active user-days; largest team {enterprise}",
          file=sys.stderr)
    print(f"analyst script: median {statistics.median(times):.2f} s of {args.runs} runs")


if __name__ == "__main__":
    main()
