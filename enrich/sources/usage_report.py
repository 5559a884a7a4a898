"""The usage report CSV that GitHub's billing pages export (SOURCES.md section 3b).

GitHub's columns ("About usage reports"): `date`, `product`, `sku`, `quantity`, `unit_type`,
`applied_cost_per_quantity`, `gross_amount`, `discount_amount`, `net_amount`, `username`,
`organization`, `repository`, `workflow_path`, `cost_center_name`; `usage_at` is the former
name of `date` (read when there is no `date`), `workflow_name` a former column. The Copilot
usage export adds `model`, `exceeds_quota`, `total_monthly_quota`, `aic_quantity` and
`aic_gross_amount` (what the row would cost in AI credits: a preview, not billed, so never
read). The `billing.columns` setting maps fields to other headers, over
`DEFAULT_USAGE_COLUMNS`; headers match ignoring case, spaces and punctuation, as in the seat
CSV. UTF-8 with or without a BOM, else Windows-1252; comma or semicolon.

A file is recognised by its header: it names the date, product and SKU columns. Each row is
checked, and a bad one is reported with the file and its line: a day that is no date, an
amount that is no decimal number. Amounts are kept exactly as written (`Decimal`), never
recomputed. Rows of other products (Actions, Packages, ...) and of Copilot seat licences are
read and counted, not kept: they are no Copilot usage (`enrich.sources.billing.kind_of`).
GitHub's `cost_center_name` is not read: enrich's cost centers are the org chart's.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from enrich.dates import parse_day
from enrich.directory.csv_source import (
    _normalized,
    _sniffed,
    column_index,
    column_mapping_problems,
    csv_header,
    csv_rows,
    spreadsheet_codec,
)
from enrich.errors import InputError
from enrich.sources.billing import USAGE, Amounts, UsageRow, amount_of, decimal_of, kind_of
from enrich.sources.engagement import EARLIEST_DAY, MAX_ID, RowError, show_value
from enrich.sources.records import is_gzip

#: field -> the column read when `billing.columns` does not name one
DEFAULT_USAGE_COLUMNS: dict[str, str] = {
    "date": "date",
    "username": "username",
    "user_id": "user_id",
    "organization": "organization",
    "product": "product",
    "sku": "sku",
    "model": "model",
    "unit_type": "unit_type",
    "price_per_unit": "applied_cost_per_quantity",
    "quantity": "quantity",
    "gross_amount": "gross_amount",
    "discount_amount": "discount_amount",
    "net_amount": "net_amount",
}
#: the fields a usage report must have; the others are read when the file has them
REQUIRED = ("date", "product", "sku", "quantity", "gross_amount", "discount_amount",
            "net_amount")
#: the fields whose columns tell a usage report from any other file
_RECOGNISED_BY = ("date", "product", "sku")
#: former headers, read when the current one is absent and the setting names none
_FORMER = {"date": "usage_at"}
_AMOUNTS = ("gross_amount", "discount_amount", "net_amount")
#: the header line is read at most this far to recognise a file
_HEADER_BYTES = 64 << 10


def check_usage_columns(columns: dict) -> list[str]:
    """Problems of a `billing.columns` setting, for the configuration check."""
    return column_mapping_problems(columns, DEFAULT_USAGE_COLUMNS)


def is_usage_report(path: Path, columns: dict) -> bool:
    """Whether the file's first line is the header of a usage report: it names the date,
    product and SKU columns (as `columns` maps them)."""
    try:
        if is_gzip(path):
            return False
        with open(path, "rb") as fh:
            first = fh.readline(_HEADER_BYTES)
    except OSError:
        return False
    text = first.decode("utf-8-sig", "replace")
    if not text.strip() or text.lstrip()[:1] in "[{":
        return False
    try:
        header = next(csv.reader([text], delimiter=_sniffed(text)))
    except (csv.Error, StopIteration):
        return False
    names = {_normalized(name) for name in header}
    mapping = {**DEFAULT_USAGE_COLUMNS, **columns}
    return all(_normalized(mapping[field]) in names or
               (field in _FORMER and field not in columns
                and _normalized(_FORMER[field]) in names)
               for field in _RECOGNISED_BY)


class UsageReport:
    """The rows of one usage report file. `rows()` yields `(line, cells, row)` for each row,
    where `row` is a `UsageRow` of Copilot usage, `(kind, product, day)` for a row that is
    none (`kind_of`: a seat licence, another product), or the `RowError` of a bad row."""

    def __init__(self, path: Path, columns: dict | None = None):
        self.path = Path(path)
        self.columns = columns or {}
        self.mapping = {**DEFAULT_USAGE_COLUMNS, **self.columns}
        self._days: dict[str, int] = {}
        self._prices: dict[str, Decimal] = {}

    def error(self, message: str, line: int | None) -> InputError:
        return InputError(message, path=self.path, line=line)

    def rows(self) -> Iterator[tuple[int, list[str], UsageRow | tuple[str, str, int] | RowError]]:
        codec = spreadsheet_codec(self.path)
        try:
            with open(self.path, encoding=codec, newline="") as fh:
                first = fh.readline()
                if not first.strip():
                    raise self.error("the file is empty; expected a header line", None)
                reader = csv.reader(itertools.chain([first], fh), delimiter=_sniffed(first),
                                    strict=True)
                header = csv_header(reader, self.error)
                self.locate(header)
                for cells, line in csv_rows(reader, len(header), self.error):
                    try:
                        yield line, cells, self.row(cells)
                    except RowError as exc:
                        yield line, cells, exc
        except OSError as exc:
            raise self.error(f"cannot read the file: {exc.strerror}", None) from None

    def locate(self, header: list[str]) -> None:
        """Where each field's column is, and its header as the file spells it; a required
        field without a column rejects the file."""
        former = {field: name for field, name in _FORMER.items() if field not in self.columns}
        self.index = column_index(header, self.mapping, {*REQUIRED, *self.columns}, self.error,
                                  former)
        self.header = header

    def row(self, cells: list[str]) -> UsageRow | tuple[str, str, int]:
        # a usage report of a large enterprise holds millions of rows: each is read once,
        # and what repeats (days, SKUs, prices) is worked out once
        value = {field: cells[index].strip() for field, index in self.index.items()}
        product, sku = value["product"], value["sku"]
        day = self._days.get(value["date"]) or self.day(value["date"])
        if not product or not sku:
            raise RowError(f"column {self.column('product' if not product else 'sku')!r} is "
                           "empty; expected the product and the SKU")
        kind = kind_of(product, sku)
        if kind != USAGE:
            return kind, product, day
        price = value.get("price_per_unit")
        return UsageRow(
            day=day, login=value.get("username") or None, user_id=self.user_id(value),
            organization=value.get("organization") or None, product=product, sku=sku,
            model=value.get("model") or None, unit_type=value.get("unit_type") or None,
            price_per_unit=self.price(price) if price else None,
            quantity=self.number("quantity", value["quantity"]),
            amounts=Amounts(*(self.number(field, value[field], amount_of)
                              for field in _AMOUNTS)))

    def day(self, text: str) -> int:
        try:
            day = parse_day(text)
        except ValueError:
            raise self.bad("date", text, "a date (YYYY-MM-DD)") from None
        if day < EARLIEST_DAY:
            raise self.bad("date", text, "a day from 2021-01-01 on")
        self._days[text] = day
        return day

    def price(self, text: str) -> Decimal:
        price = self._prices.get(text)
        if price is None:
            price = self._prices[text] = self.number("price_per_unit", text)
        return price

    def number(self, field: str, text: str, read=decimal_of):
        try:
            return read(text)
        except ValueError as exc:
            raise self.bad(field, text, str(exc)) from None

    def user_id(self, value: dict) -> int | None:
        text = value.get("user_id")
        if not text:
            return None
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_ID))
                and 0 < int(text) <= MAX_ID):
            raise self.bad("user_id", text, "a positive integer")
        return int(text)

    def column(self, field: str) -> str:
        return self.header[self.index[field]]

    def bad(self, field: str, text: str, expected: str) -> RowError:
        return RowError(f"column {self.column(field)!r} is {show_value(text)}; "
                        f"expected {expected}")

    @staticmethod
    def line_text(cells: list[str]) -> str:
        """A row as a CSV line, for the rejects file."""
        out = io.StringIO()
        csv.writer(out).writerow(cells)
        return out.getvalue()
