"""Reading data files from S3 (through the AWS side of the stack) into Arrow tables."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import pyarrow as pa

from airflow_provider_starrocks.testing.aws_errors import StorageAccessError
from airflow_provider_starrocks.testing.fe.errors import EMULATOR_PREFIX, StarRocksError

if TYPE_CHECKING:
    from collections.abc import Mapping


class StorageGateway(Protocol):
    """What the emulator needs from ``airflow_provider_starrocks.testing.aws.AwsEmulator``."""

    def list_objects(self, props: Mapping[str, str], uri_glob: str) -> list[tuple[str, int]]: ...

    def read_object(self, props: Mapping[str, str], uri: str) -> bytes: ...

    def write_object(self, props: Mapping[str, str], uri: str, body: bytes) -> None: ...

    def list_object_versions(
        self, props: Mapping[str, str], uri_glob: str
    ) -> list[tuple[str, int, str, Any]]: ...

    def delete_object(self, props: Mapping[str, str], uri: str) -> None: ...

    def glue_client(self, props: Mapping[str, str], prefix: str = "aws.glue") -> Any: ...


def storage_error_text(exc: Exception) -> str:
    """Render an AWS failure the way StarRocks reports storage errors (credentials never included).

    :param exc: a ``StorageAccessError`` (``code`` and ``message`` attributes) or any exception.
    """
    code = getattr(exc, "code", None)
    if not isinstance(exc, StorageAccessError):
        # Not an S3 answer (a file pyarrow cannot decode...): its text is not StarRocks's.
        return f"{EMULATOR_PREFIX}reading this file ({type(exc).__name__})"
    message = getattr(exc, "message", None) or str(exc) or None
    return f"Access storage error. Error code: {code}. Error message: {message}."


def infer_format(path: str) -> str:
    """Infer a file format from its extension (BROKER_LOAD.md: CSV unless the name says otherwise).

    :param path: the file path.
    """
    lowered = path.lower()
    for ext, fmt in ((".parquet", "parquet"), (".parq", "parquet"), (".orc", "orc"), (".json", "json")):
        if lowered.endswith(ext):
            return fmt
    return "csv"


def convert_separator(sep: str) -> str:
    r"""Apply ``ColumnSeparator.convertSeparator``: ``\\x01``-style hex text stands for those bytes.

    :param sep: the separator after string unescaping.
    """
    if sep[:2].lower() == "\\x":
        try:
            return bytes.fromhex(sep[2:]).decode("latin-1")
        except ValueError:
            raise StarRocksError(f"Invalid column separator: {sep}") from None
    return sep


@dataclass
class CsvOptions:
    """CSV reading options of a data description.

    :param column_separator: the column separator.
    :param row_delimiter: the row delimiter.
    :param skip_header: header lines to skip.
    :param trim_space: trim spaces around fields.
    :param enclose: the enclosing character.
    :param escape: the escape character.
    """

    column_separator: str = "\t"
    row_delimiter: str = "\n"
    skip_header: int = 0
    trim_space: bool = False
    enclose: str | None = None
    escape: str | None = None


def split_csv(text: str, opts: CsvOptions) -> list[list[str | None]]:
    r"""Split CSV text into rows of fields (``\\N`` is NULL), honouring enclose and escape characters.

    :param text: the file content.
    :param opts: the options.
    """
    rows: list[list[str | None]] = []
    field: list[str] = []
    row: list[str | None] = []
    enclosed = False
    quoted_field = False
    i = 0
    n = len(text)
    sep, delim, enc, esc = opts.column_separator, opts.row_delimiter, opts.enclose, opts.escape

    def finish_field() -> None:
        value = "".join(field)
        if opts.trim_space and not quoted_field:
            value = value.strip(" ")
        row.append(None if value == "\\N" and not quoted_field else value)
        field.clear()

    while i < n:
        c = text[i]
        if esc and c == esc and i + 1 < n:
            field.append(text[i + 1])
            i += 2
            continue
        if enc and c == enc:
            if enclosed and i + 1 < n and text[i + 1] == enc:
                field.append(enc)
                i += 2
                continue
            if enclosed or not "".join(field).strip(" "):
                enclosed = not enclosed
                quoted_field = True
                if enclosed:
                    field.clear()
                i += 1
                continue
        if not enclosed and text.startswith(sep, i):
            finish_field()
            quoted_field = False
            i += len(sep)
            continue
        if not enclosed and text.startswith(delim, i):
            finish_field()
            quoted_field = False
            rows.append(row)
            row = []
            i += len(delim)
            continue
        field.append(c)
        i += 1
    if field or row:
        finish_field()
        rows.append(row)
    return rows[opts.skip_header :]


def read_file(data: bytes, fmt: str, csv: CsvOptions | None = None) -> pa.Table | list[list[str | None]]:
    """Decode one file: Arrow for Parquet / ORC / JSON, rows of strings for CSV.

    :param data: the object content.
    :param fmt: ``csv``, ``parquet``, ``orc`` or ``json``.
    :param csv: CSV options.
    """
    if fmt == "csv":
        return split_csv(data.decode("utf-8", errors="replace"), csv or CsvOptions())
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(io.BytesIO(data))
    if fmt == "orc":
        import pyarrow.orc as orc

        return orc.read_table(io.BytesIO(data))
    if fmt == "json":
        text = data.decode("utf-8").strip()
        if text.startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
        return pa.Table.from_pylist(records)
    raise StarRocksError(f"Unsupported file format: {fmt}")
