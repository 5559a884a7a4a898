"""Experiment: a seed-format JSON-lines file read by DuckDB, checked as strictly as the
row-wise parser of enrich, or refused so that the row-wise parser reads it instead and reports
the exact file, line and reason. It became enrich's own reader (enrich/sources/fastread.py):
the experiments import it from there.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from enrich.sources.fastread import Checked, read_checked  # noqa: E402

__all__ = ["Checked", "read_checked"]
