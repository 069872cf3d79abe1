"""SELECT / INSERT on internal and file external tables, run by DuckDB after a sqlglot translation."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import expressions as exp
from sqlglot.dialects.mysql import MySQL

from airflow_provider_starrocks.testing.fe.errors import (
    ERR_NO_DB,
    StarRocksError,
    engine_error,
    not_supported,
)
from airflow_provider_starrocks.testing.fe.lexer import Token, tokenize
from airflow_provider_starrocks.testing.fe.reserved_words import check_qualified_names
from airflow_provider_starrocks.testing.fe.store import DEFAULT_CATALOG

if TYPE_CHECKING:
    import pyarrow as pa

    from airflow_provider_starrocks.testing.fe.store import Store, Table

FileTableReader = Callable[["Table"], "pa.Table"]


class StarRocksRead(MySQL):
    """sqlglot's MySQL reader with 1-based array subscripts.

    StarRocks indexes arrays from 1 (``[1,2,3][1]`` is 1: docs/en/sql-reference/data-types/semi_structured/Array.md,
    "Access elements in an array"); sqlglot's MySQL dialect assumes 0 and would shift ``a[2]`` to DuckDB's ``a[3]``.
    """

    INDEX_OFFSET = 1


def _mysql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


def normalize(sql: str, tokens: list[Token] | None = None) -> str:
    r"""Re-emit a statement with strings in an unambiguous MySQL form, so that sqlglot sees StarRocks's values.

    The emulator's lexer has already applied StarRocks's unescaping rules; sqlglot's MySQL reader would apply
    slightly different ones (``\\_``, doubled quotes in double-quoted strings).

    :param sql: the statement text.
    :param tokens: its tokens, when already computed.
    """
    out: list[str] = []
    last = 0
    for tok in tokens or tokenize(sql):
        if tok.kind == "string":
            out.append(sql[last : tok.pos])
            out.append(_mysql_string(tok.value))
            last = tok.end
        elif tok.kind == "ident" and tok.value.startswith("$"):
            # FILES() names CSV columns $1, $2...; sqlglot would read them as parameters.
            out.append(sql[last : tok.pos])
            out.append(f"`{tok.value}`")
            last = tok.end
    out.append(sql[last:])
    return "".join(out).strip().rstrip(";")


def to_wire(value: Any) -> Any:
    """Convert a DuckDB value to one mysql-mimic can send.

    :param value: a cell value.
    """
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.time, dt.timedelta)):
        return str(value)
    if isinstance(value, (list, dict, tuple)):
        return str(value)
    if value is not None and not isinstance(value, (str, int, float, bytes, bool, dt.date)):
        return str(value)
    return value


class QueryRunner:
    """Runs SELECT / INSERT statements against the store.

    :param store: the metadata and DuckDB store.
    :param read_file_table: returns the rows of a file external table as an Arrow table.
    """

    def __init__(self, store: Store, read_file_table: FileTableReader) -> None:
        self.store = store
        self.read_file_table = read_file_table

    def _check_catalog(self, catalog: str, node: exp.Table) -> None:
        """Accept default_catalog; refuse an unknown catalog as StarRocks does, and external catalog tables."""
        if catalog == DEFAULT_CATALOG:
            return
        with self.store.lock:
            known = catalog in self.store.catalogs
        if not known:
            # ErrorCode.ERR_BAD_CATALOG_ERROR, as catalogs.require_catalog reports it.
            raise StarRocksError(f"Unknown catalog '{catalog}'")
        raise not_supported(
            f"queries on external catalog tables ({catalog}.{node.db or '<current>'}.{node.name})"
        )

    def _resolve(
        self,
        tree: exp.Expression,
        current_db: str | None,
        cur: Any,
        extra: dict[str, Any],
        current_catalog: str = DEFAULT_CATALOG,
    ) -> None:
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for name, data in extra.items():
            cur.register(name, data)
        for node in list(tree.find_all(exp.Table)):
            name = node.name
            if not name or (not node.args.get("db") and (name.lower() in ctes or name in extra)):
                continue
            # catalog.db.table (qualifiedName in StarRocks.g4's tableAtom); default_catalog names the internal one.
            self._check_catalog(node.catalog or current_catalog, node)
            db = node.db or current_db
            if not db:
                raise StarRocksError("No database selected", ERR_NO_DB)
            if db.lower() == "information_schema":
                raise not_supported(f"information_schema.{name} in this query form")
            table = self.store.get_table(db, name)
            if table.engine == "file":
                alias = f"__sr_file_{db}_{name}"
                cur.register(alias, self.read_file_table(table))
                replacement = exp.to_table(alias)
            else:
                replacement = exp.Table(
                    this=exp.to_identifier(name, quoted=True), db=exp.to_identifier(db, quoted=True)
                )
            if node.alias:
                replacement.set("alias", node.args.get("alias"))
            elif table.engine == "file":
                replacement.set("alias", exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
            node.replace(replacement)

    def run(
        self,
        sql: str,
        current_db: str | None,
        extra: dict[str, Any] | None = None,
        current_catalog: str = DEFAULT_CATALOG,
    ) -> tuple[list[tuple[Any, ...]], list[str]] | None:
        """Run one SELECT or INSERT and return ``(rows, columns)`` (None for INSERT).

        :param sql: the statement text (StarRocks syntax).
        :param current_db: the session's current database.
        :param extra: Arrow tables to expose under their own (unqualified) names, e.g. the rows of FILES().
        :param current_catalog: the session's current catalog.
        """
        tokens = tokenize(sql)
        check_qualified_names(tokens)
        try:
            tree = sqlglot.parse_one(normalize(sql, tokens), read=StarRocksRead)
        except sqlglot.errors.ParseError as exc:
            raise not_supported(
                f"statement the emulator cannot translate ({exc.errors[0]['description']})"
            ) from None
        if isinstance(tree, exp.Insert):
            target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
            if isinstance(target, exp.Table):
                self._check_catalog(target.catalog or current_catalog, target)
                db = target.db or current_db
                if db:
                    table = self.store.get_table(db, target.name)
                    if table.engine == "file":
                        # file_external_table.md: file external tables are query-only.
                        raise StarRocksError(
                            f"Table '{target.name}' is a file external table and is read-only"
                        )
        elif not isinstance(tree, (exp.Select, exp.Union, exp.Subquery)):
            raise not_supported(f"statement kind {type(tree).__name__}")
        with self.store.lock:
            cur = self.store.cursor()
            try:
                self._resolve(tree, current_db, cur, extra or {}, current_catalog)
                duck_sql = tree.sql(dialect="duckdb")
                try:
                    cur.execute(duck_sql)
                except Exception as exc:  # duckdb raises many exception classes
                    raise engine_error(exc, insert=isinstance(tree, exp.Insert)) from None
                if isinstance(tree, exp.Insert):
                    return None
                columns = [d[0] for d in cur.description or []]
                rows = [tuple(to_wire(v) for v in row) for row in cur.fetchall()]
                return rows, columns
            finally:
                cur.close()
