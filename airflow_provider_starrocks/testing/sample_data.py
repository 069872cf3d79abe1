"""Deterministic sample objects for the local stack's bucket (parquet, csv, orc, json lines)."""

from __future__ import annotations

import datetime
import io
import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

#: Column names and StarRocks types of every sample file.
SAMPLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "BIGINT"),
    ("name", "VARCHAR"),
    ("amount", "DOUBLE"),
    ("dt", "DATE"),
)
SAMPLE_ROW_COUNT = 100
DAILY_DATES: tuple[str, ...] = ("2024-01-01", "2024-01-02", "2024-01-03")
DAILY_ROW_COUNT = 10
_FIRST_DAY = datetime.date(2024, 1, 1)


def sample_rows(
    count: int = SAMPLE_ROW_COUNT, *, first_id: int = 1
) -> list[tuple[int, str, float, datetime.date]]:
    """
    Return ``count`` deterministic ``(id, name, amount, dt)`` rows.

    :param count: number of rows.
    :param first_id: id of the first row.
    """
    rows = []
    for row_id in range(first_id, first_id + count):
        rows.append(
            (
                row_id,
                f"customer_{row_id:03d}",
                round(row_id * 1.25, 2),
                _FIRST_DAY + datetime.timedelta(days=(row_id - 1) % 31),
            )
        )
    return rows


def _table(rows: list[tuple[int, str, float, datetime.date]]) -> pa.Table:
    import pyarrow as pa

    schema = pa.schema(
        [("id", pa.int64()), ("name", pa.string()), ("amount", pa.float64()), ("dt", pa.date32())]
    )
    columns: list[tuple[object, ...]] = list(zip(*rows)) if rows else [(), (), (), ()]
    return pa.Table.from_arrays(
        [pa.array(list(col), type=f.type) for col, f in zip(columns, schema)], schema=schema
    )


def _parquet(table: pa.Table) -> bytes:
    import pyarrow.parquet as pq

    sink = io.BytesIO()
    pq.write_table(table, sink)
    return sink.getvalue()


def _orc(table: pa.Table) -> bytes:
    import pyarrow.orc as orc

    sink = io.BytesIO()
    orc.write_table(table, sink)
    return sink.getvalue()


def _csv(rows: list[tuple[int, str, float, datetime.date]]) -> bytes:
    lines = [",".join(name for name, _ in SAMPLE_COLUMNS)]
    lines += [f"{i},{n},{a!r},{d.isoformat()}" for i, n, a, d in rows]
    return ("\n".join(lines) + "\n").encode()


def _json_lines(rows: list[tuple[int, str, float, datetime.date]]) -> bytes:
    lines = [json.dumps({"id": i, "name": n, "amount": a, "dt": d.isoformat()}) for i, n, a, d in rows]
    return ("\n".join(lines) + "\n").encode()


def sample_objects() -> dict[str, bytes]:
    """Return every sample object of the bucket as ``{key: content}``, identical on every call."""
    rows = sample_rows()
    table = _table(rows)
    objects = {
        "sample/orders.parquet": _parquet(table),
        "sample/orders.csv": _csv(rows),
        "sample/orders.orc": _orc(table),
        "sample/orders.json": _json_lines(rows),
    }
    for index, day in enumerate(DAILY_DATES):
        daily = sample_rows(DAILY_ROW_COUNT, first_id=1 + index * DAILY_ROW_COUNT)
        daily = [(i, n, a, datetime.date.fromisoformat(day)) for i, n, a, _ in daily]
        objects[f"daily/{day}/part-0.parquet"] = _parquet(_table(daily))
    return objects
