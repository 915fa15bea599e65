"""The CPU half of a lead import: decode the file, read its CSV records, validate, key and score them.

It runs in its own process, `python -m bot.imports.lead_rows sqlite|postgresql`, reading the raw file on
stdin and writing frames on stdout, while the importer's process (bot/imports/leads.py) de-duplicates
and inserts the previous chunk: on this 2-core machine that is what takes a 100,000-row import
past 50,000 rows/s (bench/import_leads.py). It imports only the pure domain modules, so it starts
in ~40 ms.

Frames are a 4-byte length and a `marshal` payload (the fastest format for lists of str, int, float
and None; both ends are the same interpreter): ("header", ignored columns, error, header names),
then ("rows", rows, rejections, owners) per chunk, then ("end",). `owners` lists the rows with an
`Owner` (email or Slack user id), which only the importer can resolve: (index in rows, row number,
owner text, the row's fields, kept in case the owner is unknown and the row rejected).
"""

from __future__ import annotations

import csv
import gc
import io
import itertools
import marshal
import struct
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from bot.domain.leads import FIELD_KEYS, LEAD_FIELDS, ColumnsParser, columns_parser, key_columns
from bot.domain.scoring import fit_score
from bot.domain.text import fold

CHUNK_ROWS = 2000
VARIABLE_COLUMNS = (*FIELD_KEYS, "score", "grade", "score_reason", "search_text", "email_key", "identity_key")
EMAIL_KEY, IDENTITY_KEY = VARIABLE_COLUMNS.index("email_key"), VARIABLE_COLUMNS.index("identity_key")
MONEY_FIELDS = ("annual_revenue", "budget_amount")
NO_TOPIC = "no Topic column (the header row must name the lead fields, e.g. Topic, Company, Email)"
LABELS = {spec.key: spec.label for spec in LEAD_FIELDS}

Record = tuple[int, list[str] | None, str]  # (row number, fields or None, why the record is unreadable)
Row = tuple[object, ...]  # VARIABLE_COLUMNS values
Rejection = tuple[int, str, list[str]]  # (row number, reason, the row's fields: none if unreadable)
OwnerCell = tuple[int, int, str, list[str]]  # (index in the chunk's rows, row number, owner text, fields)
OWNER = "owner"  # the Owner column's key: not a lead field


def _header_key(name: str) -> str:
    return fold(name).replace(" ", "_").replace("-", "_")


def _header_aliases() -> dict[str, str]:
    aliases: dict[str, str] = {}
    for spec in LEAD_FIELDS:
        for name in (spec.key, spec.label, spec.label.replace(" ", "_")):
            aliases[_header_key(name)] = spec.key
    extra = {
        "phone": "business_phone",
        "employees": "employees",
        "budget": "budget_amount",
        "name": "last_name",
        "title": "job_title",
        "source": "lead_source",
        "revenue": "annual_revenue",
        "e-mail": "email",
        "timeframe": "purchase_timeframe",
        "notes": "description",
        "owner": OWNER,
        "owner email": OWNER,
        "owner id": OWNER,
    }
    aliases.update({_header_key(k): v for k, v in extra.items()})
    return aliases


HEADER_ALIASES = _header_aliases()


def map_header(names: list[str]) -> tuple[list[str | None], list[str], str]:
    """(field key of each column, ignored column names, error); a field named twice is read from
    its first column."""
    columns: list[str | None] = []
    for name in names:
        key = HEADER_ALIASES.get(_header_key(name))
        columns.append(key if key not in columns else None)
    ignored = [name for name, key in zip(names, columns, strict=True) if key is None and name]
    error = (
        ""
        if "topic" in columns
        else "no Topic column (the header row must name the lead fields, e.g. Topic, Company, Email)"
    )
    return columns, ignored, error


def text_stream(binary: IO[bytes]) -> io.TextIOWrapper:
    """UTF-8 with or without a BOM; undecodable bytes become U+FFFD instead of stopping the file."""
    return io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")


def read_records(lines: Iterable[str]) -> Iterator[Record]:
    """(row number, fields, problem): `;` or `,` picked from the header; blank lines skipped."""
    iterator = iter(lines)
    first = next(iterator, "")
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(itertools.chain([first], iterator), delimiter=delimiter, strict=True)
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield reader.line_num, None, f"malformed CSV ({error})"
            continue
        if fields and "".join(fields).strip():
            yield reader.line_num, fields, ""


def chunks(records: Iterator[Record], size: int = CHUNK_ROWS) -> Iterator[list[Record]]:
    while chunk := list(itertools.islice(records, size)):
        yield chunk


def _whole_records(chunk: list[Record], width: int) -> tuple[list[int], list[list[str]], list[Rejection]]:
    """The records the reader could split into `width` fields (row numbers, fields), and the others."""
    rejections: list[Rejection] = []
    numbers: list[int] = []
    records: list[list[str]] = []
    for row_number, fields, problem in chunk:
        if fields is None:
            rejections.append((row_number, problem, []))
        elif len(fields) != width:
            rejections.append((row_number, f"expected {width} columns, found {len(fields)}", fields))
        else:
            numbers.append(row_number)
            records.append(fields)
    return numbers, records, rejections


def prepare_chunk(
    parse: ColumnsParser, width: int, sqlite: bool, chunk: list[Record], owner_column: int | None = None
) -> tuple[list[Row], list[Rejection], list[OwnerCell]]:
    """The chunk's valid records as VARIABLE_COLUMNS rows, and the others with their reason. Money is
    what the database takes: a float on SQLite (what SQLAlchemy binds for Numeric), exact text on
    PostgreSQL."""
    numbers, records, rejections = _whole_records(chunk, width)
    parsed = parse(records)
    values = parsed.columns
    keys = key_columns(values["first_name"], values["last_name"], values["company"], values["email"], values["topic"])
    fields_in = (values["budget_amount"], values["purchase_timeframe"], values["employees"], values["purchase_process"])
    scores = list(map(fit_score, *fields_in))  # type: ignore[arg-type]
    money: Callable[[Any], object] = float if sqlite else str
    for name in MONEY_FIELDS:
        values[name] = [None if amount is None else money(amount) for amount in values[name]]
    rows = zip(
        *(values[key] for key in FIELD_KEYS),
        (score.value for score in scores),
        (score.grade for score in scores),
        (score.reason for score in scores),
        *keys,
        strict=True,
    )
    valid: list[Row] = []
    owners: list[OwnerCell] = []
    for index, row in enumerate(rows):
        errors = parsed.errors.get(index)
        if errors is None:
            owner = records[index][owner_column].strip() if owner_column is not None else ""
            if owner:
                owners.append((len(valid), numbers[index], owner, records[index]))
            valid.append(row)
        else:
            reason = "; ".join(f"{LABELS[key]}: {message}" for key, message in errors.items())
            rejections.append((numbers[index], reason, records[index]))
    rejections.sort(key=lambda rejection: rejection[0])
    return valid, rejections, owners


def write_frame(out: IO[bytes], message: tuple[Any, ...]) -> None:
    data = marshal.dumps(message)
    out.write(struct.pack("<I", len(data)))
    out.write(data)
    out.flush()


def read_frame(source: IO[bytes]) -> bytes | None:
    """One frame's payload, or None at the end of the stream (or of a cut-off frame)."""
    head = source.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack("<I", head)
    data = source.read(size)
    return data if len(data) == size else None


def run(source: IO[bytes], out: IO[bytes], sqlite: bool) -> None:
    """Read the whole file from `source` and write its frames to `out`."""
    records = read_records(text_stream(source))
    header = next(records, None)
    if header is None or header[1] is None:
        write_frame(out, ("header", [], "the file is empty or its header row is unreadable", []))
        return
    columns, ignored, error = map_header(header[1])
    write_frame(out, ("header", ignored, error, header[1]))
    if error:
        return
    parse = columns_parser(columns)
    owner_column = columns.index(OWNER) if OWNER in columns else None
    for chunk in chunks(records):
        write_frame(out, ("rows", *prepare_chunk(parse, len(columns), sqlite, chunk, owner_column)))
    write_frame(out, ("end",))


def main(argv: list[str]) -> None:
    gc.disable()  # a short-lived process that makes no reference cycles: collections only cost time
    run(sys.stdin.buffer, sys.stdout.buffer, sqlite=argv[:1] == ["sqlite"])


if __name__ == "__main__":
    main(sys.argv[1:])
