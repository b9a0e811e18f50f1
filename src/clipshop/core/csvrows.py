"""Reading an uploaded CSV file into rows: the size and row limits, the header check and the
per-row field count; what each row means is the caller's.

Problems with the file itself (not UTF-8 CSV, NUL bytes, a bad header, no rows, too many rows)
refuse the whole file; a row with the wrong number of fields is kept with its ``width_error``
so the caller can report it as that row's error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from clipshop.core.errors import InvalidInput

MAX_ROWS = 1000
MAX_CSV_BYTES = 1024 * 1024

Column = str | tuple[str, ...]
"""A required column, or a tuple of columns of which at least one is required."""


class InvalidCsv(InvalidInput):
    code = "invalid_csv"
    title = "Invalid CSV file"


class TooManyRows(InvalidInput):
    code = "too_many_rows"
    title = "Too many rows"


@dataclass(frozen=True)
class CsvRow:
    number: int  # the data row: 1 for the first row after the header
    line: int  # the line of the file where the row ends (the header is line 1)
    values: dict[str, str]  # every column of the header, stripped; "" when missing
    width_error: str | None = None


def read_rows(
    data: bytes,
    required: Sequence[Column],
    optional: Sequence[str] = (),
    max_rows: int = MAX_ROWS,
) -> list[CsvRow]:
    """The data rows of a CSV file (blank lines skipped), or a refusal of the whole file.

    Header names are compared lower-cased and stripped."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidCsv("the file is not a UTF-8 CSV text file") from None
    if "\x00" in text:
        raise InvalidCsv("the file is not a CSV text file (it contains NUL bytes)")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            raise InvalidCsv("the file is empty: the first line must name the columns")
        names = [h.strip().lower() for h in header]
        check_header(names, required, optional)
        rows: list[CsvRow] = []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) == max_rows:
                raise TooManyRows(f"a file may have at most {max_rows} rows", max_rows=max_rows)
            width = None
            if len(record) != len(names):
                width = f"expected {len(names)} fields, found {len(record)}"
            values = {
                n: (record[i].strip() if i < len(record) else "") for i, n in enumerate(names)
            }
            rows.append(CsvRow(len(rows) + 1, reader.line_num, values, width))
    except csv.Error as exc:
        raise InvalidCsv(f"the file is not valid CSV: {exc}") from None
    if not rows:
        raise InvalidCsv("the file has a header but no rows")
    return rows


def _named(column: Column) -> str:
    return column if isinstance(column, str) else " or ".join(column)


def check_header(names: list[str], required: Sequence[Column], optional: Sequence[str]) -> None:
    """Refuse a header that lacks a required column, repeats one or names an unknown one."""
    known = {c for col in required for c in ((col,) if isinstance(col, str) else col)}
    known.update(optional)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    missing = [
        _named(c)
        for c in required
        if not any(n in names for n in ((c,) if isinstance(c, str) else c))
    ]
    unknown = [n for n in names if n not in known]
    if duplicated or missing or unknown:
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if unknown:
            problems.append("unknown " + ", ".join(repr(n) for n in unknown))
        if duplicated:
            problems.append("repeated " + ", ".join(duplicated))
        hint = " (columns are separated by commas)" if any(";" in n for n in names) else ""
        also = f" and optionally {', '.join(optional)}" if optional else ""
        raise InvalidCsv(
            f"the header must name the columns {', '.join(_named(c) for c in required)}{also}: "
            f"{'; '.join(problems)}{hint}",
            code="invalid_csv_header",
            missing=missing,
            unknown=unknown,
        )
