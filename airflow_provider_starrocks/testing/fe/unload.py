"""``INSERT INTO FILES(...) [WITH LABEL l] [(cols)] SELECT ...``: unload a query's rows to S3 as Parquet, ORC or CSV.

What StarRocks does, from pinterest/starrocks (commits in ``releases.py``):

- Grammar (``insertStatement``, StarRocks.g4): ``INSERT (INTO | OVERWRITE) FILES propertyList`` then
  ``WITH LABEL`` / column aliases, then the query. ``AstBuilder.visitInsertStatement`` builds the FILES() target
  without the label, the column aliases or OVERWRITE: all three are accepted and ignored.
- Analysis (``InsertAnalyzer``): the query first, then ``TableFunctionTable.parsePropertiesForUnload`` with the
  query's output columns (texts below; ``releases.UNLOADS`` says what each release reads).
- Execution (``StmtExecutor.handleDMLStmt``): **no load job is registered for a FILES() target** (nor for Hive,
  Iceberg, blackhole), the label is ``FAKE_TABLE_FUNCTION_TABLE_SINK_LABEL`` internally, nothing reaches SHOW LOAD or
  ``information_schema.loads``; the OK packet carries the rows written as affected rows and no info text. A query
  with no rows writes no file and succeeds.
- Files (be/src/connector/utils.h ``LocationProvider``, be/src/connector/connector_chunk_sink.cpp): every file is
  ``<path>/<query id>_<be number>_<driver id>_<index>.<format>``, partitions as ``<col>=<value>/`` directories
  (``HiveUtils::make_partition_name``, NULL as ``null``); a writer rolls to a new file once its written bytes reach
  ``target_max_file_size`` (session ``connector_sink_target_max_file_size``, 1 GB); ``single`` = one writer and no
  size limit. Partition columns stay in the files. Writes go through the statement's ``aws.s3.*`` credentials
  (``TableFunctionTableSink``); an S3 refusal fails the statement with the BE's text
  ``S3: Fail to put object <bucket>/<key>, msg: <AWS message>`` (be/src/io/s3_output_stream.cpp) and the files
  already written are deleted (the sink's rollback actions).

The emulator runs one BE and one driver (be number 0, driver 0) and measures a file's written bytes after each
4096-row chunk (the default ``chunk_size``).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa

from airflow_provider_starrocks.testing.aws_errors import StorageAccessError
from airflow_provider_starrocks.testing.fe.errors import (
    StarRocksError,
    analysis_error,
    engine_error,
    not_supported,
)
from airflow_provider_starrocks.testing.fe.files import convert_separator
from airflow_provider_starrocks.testing.fe.query import QueryRunner, normalize

if TYPE_CHECKING:
    from airflow_provider_starrocks.testing.fe.context import FeContext
    from airflow_provider_starrocks.testing.fe.releases import UnloadRelease
    from airflow_provider_starrocks.testing.fe.session import FeSession
    from airflow_provider_starrocks.testing.fe.stream import TokenStream

CHUNK_ROWS = 4096  # SessionVariable chunk_size
DEFAULT_TARGET_MAX_FILE_SIZE = 1024 * 1024 * 1024  # SessionVariable connectorSinkTargetMaxFileSize
DEFAULT_COMPRESSION = "uncompressed"  # SessionVariable connectorSinkCompressionCodec
# CompressionUtils.CONNECTOR_SINK_SUPPORTED_COMPRESSION_TYPES (case-insensitive) -> TCompressionType name.
COMPRESSIONS = {
    "no_compression": "NO_COMPRESSION", "uncompressed": "NO_COMPRESSION", "none": "NO_COMPRESSION",
    "lz4": "LZ4", "snappy": "SNAPPY", "zstd": "ZSTD", "gzip": "GZIP",
}  # fmt: skip
_PARQUET_CODECS = {"NO_COMPRESSION": "none", "LZ4": "lz4", "SNAPPY": "snappy", "ZSTD": "zstd", "GZIP": "gzip"}
_ORC_CODECS = {
    "NO_COMPRESSION": "uncompressed",
    "LZ4": "lz4",
    "SNAPPY": "snappy",
    "ZSTD": "zstd",
    "GZIP": "zlib",
}
# CompressionUtils::to_compression_ext (main): the suffix of a compressed CSV.
_CSV_EXTENSIONS = {"GZIP": ".gz", "LZ4": ".lz4", "SNAPPY": ".snappy", "ZSTD": ".zst"}
PARQUET_VERSIONS = ("1.0", "2.4", "2.6")  # TableFunctionTable.SUPPORTED_PARQUET_VERSIONS (3.5+)
MAX_DELIMITER_BYTES = 50  # CsvFormat.MAX_COLUMN_SEPARATOR_LENGTH / MAX_ROW_DELIMITER_LENGTH


@dataclass
class UnloadTarget:
    """The FILES() target after ``parsePropertiesForUnload``.

    :param path: the directory, always ending in ``/``.
    :param format: ``parquet``, ``orc`` or ``csv`` (lower case).
    :param compression: the TCompressionType name.
    :param max_file_size: bytes after which a writer starts a new file.
    :param partition_by: the partition column names, in order.
    :param column_separator: the CSV column separator.
    :param row_delimiter: the CSV row delimiter.
    :param include_header: whether a CSV starts with the column names.
    :param properties: every property (the ``aws.s3.*`` credentials included).
    """

    path: str
    format: str
    compression: str
    max_file_size: int
    partition_by: list[str]
    column_separator: str
    row_delimiter: str
    include_header: bool
    properties: dict[str, str]


def is_unload(ts: TokenStream) -> bool:
    """Return whether the stream (after ``INSERT INTO``) is at ``FILES (``."""
    return ts.tok.upper == "FILES" and ts.peek(1).kind == "symbol" and ts.peek(1).value == "("


def _boolean(props: dict[str, str], key: str, default: str = "false") -> bool:
    value = props.get(key, default)
    if value.lower() not in ("true", "false"):
        raise analysis_error(
            f'got invalid parameter "{key}" = "{value}", expect a boolean value (true or false).'
        )
    return value.lower() == "true"


def _delimiter(value: str, key: str, rules: UnloadRelease) -> str:
    if not rules.csv_delimiter_checks:
        return value
    converted = convert_separator(value)  # Delimiter.convertDelimiter: \\x.. hex text stands for those bytes
    size = len(converted.encode("utf-8"))
    if size == 0 or size > MAX_DELIMITER_BYTES:
        raise analysis_error(f"The valid bytes length for '{key}' is [1, {MAX_DELIMITER_BYTES}]")
    return converted


def parse_target(
    props: dict[str, str], columns: list[str], types: list[pa.DataType], session_vars: dict[str, Any],
    rules: UnloadRelease,
) -> UnloadTarget:  # fmt: skip
    """Check the FILES() properties as ``TableFunctionTable.parsePropertiesForUnload`` does, in its order.

    :param props: the FILES() properties.
    :param columns: the query's output column names.
    :param types: their Arrow types.
    :param session_vars: the session variables (``connector_sink_*`` defaults).
    :param rules: the release's unload table.
    """
    duplicates = sorted({c for c in columns if columns.count(c) > 1})
    if duplicates:
        raise analysis_error(
            f"expect column names to be distinct, but got duplicate(s): [{', '.join(duplicates)}]"
        )
    single = _boolean(props, "single")
    if "path" not in props:
        raise analysis_error('path is a mandatory property. "path" = "s3://path/to/your/location/"')
    path = props["path"] if props["path"].endswith("/") else props["path"] + "/"
    if "format" not in props:
        raise analysis_error("format is a mandatory property. Use any of (parquet, orc, csv)")
    fmt = props["format"]
    if fmt.lower() not in ("parquet", "orc", "csv"):
        raise analysis_error(f"Unsupported format {fmt}. Use any of (parquet, orc, csv)")
    size_text = props.get("target_max_file_size")
    if size_text is None:
        max_size = int(session_vars.get("connector_sink_target_max_file_size", DEFAULT_TARGET_MAX_FILE_SIZE))
    else:
        try:
            max_size = int(size_text.strip()) if size_text.strip().lstrip("+-").isdigit() else int("x")
        except ValueError:
            # Long.parseLong's NumberFormatException escapes the analyzer unframed.
            raise StarRocksError(f'For input string: "{size_text}"') from None
    codec_text = props.get(
        "compression", str(session_vars.get("connector_sink_compression_codec", DEFAULT_COMPRESSION))
    )
    codec = COMPRESSIONS.get(codec_text.lower())
    if codec is None:
        raise analysis_error(
            f"Unsupported compression codec {codec_text}. Use any of (uncompressed, snappy, lz4, zstd, gzip)"
        )
    if single and "partition_by" in props:
        raise analysis_error("cannot use partition_by and single simultaneously.")
    partition_by: list[str] = []
    if "partition_by" in props:
        for name in (p.strip() for p in props["partition_by"].split(",")):
            if name not in partition_by:
                partition_by.append(name)
        extra = [n for n in partition_by if n not in columns]
        if extra:
            raise analysis_error(
                f"partition columns expected to be a subset of [{', '.join(columns)}], "
                f"but got extra columns: [{', '.join(extra)}]"
            )
        for name in partition_by:
            kind = types[columns.index(name)]
            if not (pa.types.is_boolean(kind) or pa.types.is_integer(kind) or pa.types.is_date(kind)
                    or pa.types.is_timestamp(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind)):  # fmt: skip
                raise analysis_error(f"partition column does not support type of {_sr_type(kind)}")
    separator = _delimiter(props["csv.column_separator"], "csv.column_separator", rules) if (
        "csv.column_separator" in props) else "\t"  # fmt: skip
    delimiter = _delimiter(props["csv.row_delimiter"], "csv.row_delimiter", rules) if (
        "csv.row_delimiter" in props) else "\n"  # fmt: skip
    if "parquet.use_legacy_encoding" in props:
        _boolean(props, "parquet.use_legacy_encoding")
    if (
        rules.parquet_version
        and "parquet.version" in props
        and props["parquet.version"] not in PARQUET_VERSIONS
    ):
        # ErrorCode.ERR_INVALID_VALUE "Invalid %s: '%s'. Expected values should be %s".
        raise analysis_error(
            f"Invalid parquet.version: '{props['parquet.version']}'. Expected values should be "
            + ", ".join(PARQUET_VERSIONS)
        )
    include_header = (
        rules.csv_include_header and "csv.include_header" in props and _boolean(props, "csv.include_header")
    )
    return UnloadTarget(
        path=path, format=fmt.lower(), compression=codec, max_file_size=(2**63 - 1) if single else max_size,
        partition_by=partition_by, column_separator=separator, row_delimiter=delimiter,
        include_header=include_header, properties=props,
    )  # fmt: skip


def _sr_type(kind: pa.DataType) -> str:
    if pa.types.is_floating(kind):
        return "DOUBLE" if kind.bit_width == 64 else "FLOAT"
    if pa.types.is_decimal(kind):
        return f"DECIMAL({kind.precision},{kind.scale})"
    return str(kind).upper()


def _csv_cell(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") + (
            f".{value.microsecond:06d}" if value.microsecond else ""
        )
    return str(value)


def _partition_value(value: Any) -> str:
    # HiveUtils::column_value: NULL as "null", booleans as true/false, strings and datetimes URL-encoded.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return quote(value.strftime("%Y-%m-%d %H:%M:%S"), safe="")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return quote(value, safe="")
    return str(value)


class _FileWriter:
    """One open output file: its encoded bytes so far."""

    def __init__(self, target: UnloadTarget, schema: pa.Schema) -> None:
        self.target = target
        self.buffer = io.BytesIO()
        self.rows = 0
        self.arrow_bytes = 0
        self.parts: list[pa.Table] = []
        self.text: list[str] = []
        self._parquet: Any = None
        if target.format == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(
                self.buffer, schema, compression=_PARQUET_CODECS[target.compression]
            )
        elif target.format == "csv" and target.include_header:
            self.text.append(target.column_separator.join(schema.names) + target.row_delimiter)

    def write(self, chunk: pa.Table) -> None:
        self.rows += chunk.num_rows
        if self._parquet is not None:
            self._parquet.write_table(chunk)
        elif self.target.format == "orc":
            self.parts.append(chunk)
            self.arrow_bytes += chunk.nbytes
        else:
            sep, delim = self.target.column_separator, self.target.row_delimiter
            for row in chunk.to_pylist():
                self.text.append(sep.join(_csv_cell(v) for v in row.values()) + delim)

    def written_bytes(self) -> int:
        if self._parquet is not None:
            return self.buffer.tell()
        if self.target.format == "orc":
            return self.arrow_bytes
        return sum(len(t.encode("utf-8")) for t in self.text)

    def close(self) -> bytes:
        if self._parquet is not None:
            self._parquet.close()
            return self.buffer.getvalue()
        if self.target.format == "orc":
            import pyarrow.orc as orc

            orc.write_table(
                pa.concat_tables(self.parts), self.buffer, compression=_ORC_CODECS[self.target.compression]
            )
            return self.buffer.getvalue()
        data = "".join(self.text).encode("utf-8")
        if self.target.compression == "GZIP":
            import gzip

            return gzip.compress(data)
        if self.target.compression != "NO_COMPRESSION":
            import pyarrow as _pa

            return bytes(_pa.compress(data, codec=self.target.compression.lower(), asbytes=True))
        return data


def plan_files(target: UnloadTarget, data: pa.Table, query_id: str) -> list[tuple[str, bytes, int]]:
    """Encode the rows into the files StarRocks would write; return ``[(uri, content, rows)]`` in write order.

    :param target: the checked FILES() target.
    :param data: the query's rows.
    :param query_id: the query id (a UUID) the file names start with.
    """
    suffix = target.format
    if target.format == "csv" and target.compression != "NO_COMPRESSION":
        suffix += _CSV_EXTENSIONS[target.compression]
    base = target.path.rstrip("/")
    prefix = f"{query_id}_0_0"
    index: dict[str, int] = {}
    open_writers: dict[str, tuple[str, _FileWriter]] = {}
    done: list[tuple[str, bytes, int]] = []

    def location(partition: str) -> str:
        number = index.get(partition, 0)
        index[partition] = number + 1
        folder = f"{base}/{partition.rstrip('/')}" if partition else base
        return f"{folder}/{prefix}_{number}.{suffix}"

    for offset in range(0, data.num_rows, CHUNK_ROWS):
        chunk = data.slice(offset, CHUNK_ROWS)
        groups: dict[str, pa.Table] = {"": chunk}
        if target.partition_by:
            # ConnectorChunkSink::add names a chunk's partition after its first row; the BE's chunks are split by
            # partition upstream, so group the rows here.
            keys = [
                "".join(f"{c}={_partition_value(row[c])}/" for c in target.partition_by)
                for row in chunk.select(target.partition_by).to_pylist()
            ]
            groups = {}
            for key in dict.fromkeys(keys):
                mask = pa.array([k == key for k in keys])
                groups[key] = chunk.filter(mask)
        for partition, rows in groups.items():
            current = open_writers.get(partition)
            if current is not None and current[1].written_bytes() >= target.max_file_size:
                done.append((current[0], current[1].close(), current[1].rows))
                current = None
            if current is None:
                current = (location(partition), _FileWriter(target, data.schema))
                open_writers[partition] = current
            current[1].write(rows)
    for uri, writer in open_writers.values():
        done.append((uri, writer.close(), writer.rows))
    return done


def _select_arrow(fe: FeContext, sql: str, db: str | None, catalog: str) -> pa.Table:
    """Run the SELECT and return its rows as Arrow (types kept for the writers).

    :param fe: the emulator.
    :param sql: the SELECT text.
    :param db: the session's database.
    :param catalog: the session's catalog.
    """
    import sqlglot
    from sqlglot import expressions as exp

    from airflow_provider_starrocks.testing.fe.query import StarRocksRead
    from airflow_provider_starrocks.testing.fe.selects import file_table_reader

    try:
        tree = sqlglot.parse_one(normalize(sql), read=StarRocksRead)
    except sqlglot.errors.ParseError as exc:
        raise not_supported(
            f"statement the emulator cannot translate ({exc.errors[0]['description']})"
        ) from None
    if not isinstance(tree, (exp.Select, exp.Union, exp.Subquery)):
        raise not_supported(f"INSERT INTO FILES() from a {type(tree).__name__}")
    runner = QueryRunner(fe.store, file_table_reader(fe))
    with fe.store.lock:
        cur = fe.store.cursor()
        try:
            runner._resolve(tree, db, cur, {}, catalog)
            try:
                cur.execute(tree.sql(dialect="duckdb"))
            except Exception as exc:  # duckdb raises many exception classes
                raise engine_error(exc) from None
            # duckdb 2 renamed fetch_arrow_table to to_arrow_table, and warns about the copy it makes
            fetch = getattr(cur, "to_arrow_table", None) or getattr(cur, "fetch_arrow_table")  # noqa: B009
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return fetch()
        finally:
            cur.close()


def _s3_error(uri: str, exc: StorageAccessError) -> StarRocksError:
    bucket_key = uri.split("://", 1)[-1]
    return StarRocksError(f"S3: Fail to put object {bucket_key}, msg: {exc.message}")


def run_unload(session: FeSession, ts: TokenStream) -> int:
    """Handle the statement from ``FILES (``; return the rows written (the OK packet's affected rows).

    :param session: the session.
    :param ts: the stream at FILES.
    """
    fe = session.fe
    rules = fe.config.release.unload
    if not rules.supported:
        # 3.1.4: insertStatement wants a qualifiedName and FILES is reserved (StarRocksLex.g4).
        ts.fail("the most similar input is {a legal identifier}")
    ts.advance()
    props = ts.property_list()
    while True:  # insertLabelOrColumnAliases* (3.4+); 3.3.5 takes the same two in this order
        if ts.accept_kw("WITH", "LABEL"):
            ts.identifier()
        elif ts.at_sym("(") and ts.peek(1).upper not in ("SELECT", "WITH", "("):
            ts.identifier_list()
        else:
            break
    if ts.at_kw("PROPERTIES"):
        raise not_supported("INSERT INTO FILES() ... PROPERTIES (...)")
    if ts.at_kw("VALUES"):
        raise not_supported("INSERT INTO FILES() VALUES")
    query = ts.rest_text()
    data = _select_arrow(fe, query, session.database, session.catalog)
    target = parse_target(
        props, list(data.column_names), list(data.schema.types), session.session_vars, rules
    )
    compressed_csv = target.format == "csv" and target.compression != "NO_COMPRESSION"
    if compressed_csv and not rules.csv_compression and data.num_rows:
        # CSVFileWriter::init (be/src/formats/csv/csv_file_writer.cpp) before any byte is written.
        raise StarRocksError(f"not supported compression type {target.compression}")
    if not target.path.lower().startswith(("s3://", "s3a://", "s3n://")):
        raise not_supported(
            f"INSERT INTO FILES() to {target.path.split('://', 1)[0]}:// (only S3 is emulated)"
        )
    written: list[str] = []
    rows = 0
    try:
        for uri, body, count in plan_files(target, data, str(uuid.uuid4())):
            try:
                fe.aws.write_object(target.properties, uri, body)
            except StorageAccessError as exc:
                raise _s3_error(uri, exc) from None
            written.append(uri)
            rows += count
    except StarRocksError:
        for uri in written:  # the sink's rollback actions
            try:
                fe.aws.delete_object(target.properties, uri)
            except StorageAccessError:
                pass
        raise
    return rows
