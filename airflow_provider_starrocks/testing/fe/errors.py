"""Errors raised by the emulator, with StarRocks's texts and MySQL error codes.

StarRocks reports most statement errors as ``ERROR 1064 (HY000)``: its ``ErrorCode.ERR_UNKNOWN_ERROR`` is 1064
(fe/fe-core/src/main/java/com/starrocks/common/ErrorCode.java), which pymysql raises as ``ProgrammingError``.
"""

from __future__ import annotations

import re

ERR_UNKNOWN = 1064
ERR_ACCESS_DENIED = 1045
ERR_NO_DB = 1046
ERR_BAD_DB = 1049

EMULATOR_PREFIX = "not supported by the StarRocks emulator: "


class StarRocksError(Exception):
    """A statement failed the way StarRocks would fail it.

    :param msg: the error text sent to the client.
    :param code: the MySQL error code.
    """

    def __init__(self, msg: str, code: int = ERR_UNKNOWN) -> None:
        super().__init__(msg)
        self.msg = msg
        self.code = code


class SyntaxProblem(StarRocksError):
    """A syntax error; the session adds StarRocks's ``Getting syntax error at line L, column C`` frame.

    :param detail: what went wrong.
    :param pos: offset in the statement text, when known.
    """

    def __init__(self, detail: str, pos: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.pos = pos

    def render(self, sql: str) -> str:
        """Return the full StarRocks-style message for ``sql``.

        :param sql: the statement the error belongs to.
        """
        # Frame from com.starrocks.sql.parser.ParsingException.getMessage (3.x).
        pos = len(sql) if self.pos is None else min(self.pos, len(sql))
        line = sql.count("\n", 0, pos) + 1
        column = pos - (sql.rfind("\n", 0, pos) + 1)
        return f"Getting syntax error at line {line}, column {column}. Detail message: {self.detail}."


def parse_error(detail: str, pos: int | None = None) -> SyntaxProblem:
    """Build a syntax error.

    :param detail: what went wrong.
    :param pos: offset in the statement text.
    """
    return SyntaxProblem(detail, pos)


def analysis_error(detail: str) -> StarRocksError:
    """Build an analyzer error framed as StarRocks's ``SemanticException`` does (3.x).

    :param detail: the detail message.
    """
    return StarRocksError(f"Getting analyzing error. Detail message: {detail}.")


def not_supported(what: str) -> StarRocksError:
    """Build the error for anything the emulator does not emulate (never a silent OK).

    :param what: the statement or clause that is not emulated.
    """
    return StarRocksError(EMULATOR_PREFIX + what)


class FilteredRows(StarRocksError):
    """An INSERT whose rows the engine could not convert or store: StarRocks filters such rows and fails the INSERT.

    The caller that knows the job and transaction renders ``releases.Release.insert_filtered_text``.
    """

    def __init__(self) -> None:
        super().__init__("Insert has filtered data")


_UNKNOWN_COLUMN = re.compile(r'Referenced column "([^"]+)" not found')
_UNKNOWN_FUNCTION = re.compile(r"(?:Scalar|Aggregate|Table) Function with name (\S+) does not exist")


def engine_error(exc: Exception, *, insert: bool = False) -> StarRocksError:
    """Translate a DuckDB error into StarRocks's text, or "not supported"; no DuckDB text reaches a client.

    :param exc: the DuckDB exception.
    :param insert: whether the statement was an INSERT (conversion and NOT NULL failures are filtered rows).
    """
    kind = type(exc).__name__
    text = engine_message(exc)
    if insert and kind in ("ConstraintException", "ConversionException", "OutOfRangeException"):
        return FilteredRows()
    column = _UNKNOWN_COLUMN.search(text)
    if kind == "BinderException" and column:
        # Scope.resolve (fe/fe-core/src/main/java/com/starrocks/sql/analyzer/Scope.java); recorded in
        # test/sql/test_dictionary/R/test_dictionary (main 70d1c246): "Column 'xxxx' cannot be resolved."
        return analysis_error(f"Column '{column.group(1)}' cannot be resolved")
    function = _UNKNOWN_FUNCTION.search(text)
    if function and function.group(1).lower() == "files":
        return not_supported(
            "FILES() outside INSERT INTO ... SELECT ... FROM FILES() (SELECT / DESC FILES())"
        )
    if function:
        return not_supported(f"function {function.group(1)}")
    return not_supported(f"this statement (the emulator's engine could not run it: {kind})")


def engine_message(exc: Exception) -> str:
    """Return the first line of a DuckDB error (its later lines quote the statement, literals included).

    :param exc: the DuckDB exception.
    """
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
