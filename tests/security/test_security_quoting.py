"""
Every user-controlled string either is refused (naming the argument) before any SQL is sent, or reaches the
StarRocks FE as exactly that value and never as extra SQL.

The operators run for real against the local FE emulator over MySQL. What the FE received is read back twice,
independently of the product's quoting code: through the emulator's own parse (SHOW CATALOGS, SHOW TABLES,
SHOW LOAD, its stored catalog properties and load statements) and through the small literal tokenizer below,
written from StarRocks's lexer rules (StarRocksLex.g4 / AstBuilder.visitString), which must see exactly the
expected statement shape: no extra statement, no comment, no token outside the value's literal.
"""

from __future__ import annotations

import contextlib
import types
from typing import TYPE_CHECKING, Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

if TYPE_CHECKING:
    from collections.abc import Iterator

# Bounded and deterministic: the whole security suite stays well under a minute.
SETTINGS = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_PIECES = [
    "'",
    '"',
    "`",
    "\\",
    "\n",
    "\r",
    "\t",
    "\b",
    "\x1a",
    ";",
    "--",
    "/*",
    "*/",
    "#",
    "%s",
    "%",
    "_",
    "\\%",
    "\\_",
    '""',
    "``",
    "\\'",
    '\\"',
    "\\n",
    "\u202e",  # RTL override
    "\u05e9\u05dc\u05d5\u05dd",  # Hebrew (RTL)
    "\u2028",
    "\U0001f600",  # emoji
    "\u00e9",
    '") ; DROP DATABASE x; --',
    "') ; DROP DATABASE x; --",
    "`) ; DROP DATABASE x; --",
    '" = "x", "type" = "jdbc',
    "{{ 7*7 }}",
    "\x00",
]
# Always tried, whatever hypothesis draws: each must be accepted verbatim where quoting applies.
INJECTION = "\\\") ; DROP DATABASE x; -- '`/* \u202e\U0001f600 %s\n\r\t"
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(HOSTILE_PIECES),
        st.text(alphabet="ab_Z09 .-/", max_size=3),
    ),
    max_size=8,
).map("".join)
# Names: mostly hostile, sometimes plainly valid, so both outcomes are exercised.
plain_name = st.from_regex(r"\A[a-z][a-z0-9_]{0,12}\Z")
name_or_hostile = st.one_of(
    plain_name, hostile_text, plain_name.flatmap(lambda n: hostile_text.map(n.__add__))
)


LOAD_SETTINGS = settings(SETTINGS, max_examples=15)

# -- an independent tokenizer for the text the FE received -------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "0": "\0", "Z": "\x1a"}


def sql_tokens(sql: str) -> list[tuple[str, str]]:
    """
    Split StarRocks SQL into ``(kind, value)``: ``word``, ``ident`` (backticked), ``str``, ``sym``, ``comment``.

    Written from StarRocksLex.g4 and AstBuilder.visitString: in a quoted string '\\' takes the next character
    (\\n \\t \\r \\b \\0 \\Z map to control characters, \\% and \\_ keep the backslash), a doubled quote is
    one quote; in a backticked identifier a doubled backtick is one backtick. Comments are kept as tokens.

    :param sql: the statement text.
    """
    out: list[tuple[str, str]] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c.isspace():
            i += 1
        elif sql.startswith("--", i) or c == "#":
            j = sql.find("\n", i)
            j = n if j < 0 else j
            out.append(("comment", sql[i:j]))
            i = j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            if j < 0:
                raise ValueError(f"unterminated comment at {i}")
            out.append(("comment", sql[i : j + 2]))
            i = j + 2
        elif c in "'\"`":
            buf: list[str] = []
            j = i + 1
            while True:
                if j >= n:
                    raise ValueError(f"unterminated {c} at {i}")
                d = sql[j]
                if d == "\\" and c != "`":
                    if j + 1 >= n:
                        raise ValueError(f"dangling backslash at {j}")
                    e = sql[j + 1]
                    buf.append(_ESCAPES.get(e, "\\" + e if e in "%_" else e))
                    j += 2
                elif d == c and j + 1 < n and sql[j + 1] == c:
                    buf.append(c)
                    j += 2
                elif d == c:
                    break
                else:
                    buf.append(d)
                    j += 1
            out.append(("ident" if c == "`" else "str", "".join(buf)))
            i = j + 1
        elif c.isalnum() or c in "_$" or ord(c) > 127:
            j = i
            while j < n and (sql[j].isalnum() or sql[j] in "_$" or ord(sql[j]) > 127):
                j += 1
            out.append(("word", sql[i:j].upper()))
            i = j
        else:
            out.append(("sym", c))
            i += 1
    return out


class Tokens:
    """A cursor over :func:`sql_tokens` output with ``expect`` helpers; every mismatch is an AssertionError."""

    def __init__(self, sql: str) -> None:
        self.sql = sql
        self.items = sql_tokens(sql)
        self.pos = 0
        assert not [t for t in self.items if t[0] == "comment"], f"comment in statement: {sql!r}"
        assert ("sym", ";") not in self.items, f"';' outside literals: {sql!r}"

    def peek(self) -> tuple[str, str] | None:
        return self.items[self.pos] if self.pos < len(self.items) else None

    def next(self) -> tuple[str, str]:
        token = self.peek()
        assert token is not None, f"statement ended early: {self.sql!r}"
        self.pos += 1
        return token

    def words(self, *words: str) -> None:
        for word in words:
            assert self.next() == ("word", word), f"expected {word} in {self.sql!r}"

    def sym(self, symbol: str) -> None:
        assert self.next() == ("sym", symbol), f"expected {symbol!r} in {self.sql!r}"

    def accept_word(self, word: str) -> bool:
        if self.peek() == ("word", word):
            self.pos += 1
            return True
        return False

    def value(self, kind: str) -> str:
        token = self.next()
        assert token[0] == kind, f"expected a {kind}, got {token} in {self.sql!r}"
        return token[1]

    def properties(self) -> dict[str, str]:
        """``( "k" = "v" [, ...] )`` -> dict; duplicate keys are an error (a value must not add a key)."""
        self.sym("(")
        props: dict[str, str] = {}
        while True:
            key = self.value("str")
            self.sym("=")
            assert key not in props, f"duplicate property {key!r} in {self.sql!r}"
            props[key] = self.value("str")
            if self.peek() == ("sym", ","):
                self.pos += 1
                continue
            self.sym(")")
            return props

    def end(self) -> None:
        assert self.peek() is None, f"extra tokens {self.items[self.pos :]} in {self.sql!r}"


def test_tokenizer_reads_starrocks_literals():
    tokens = sql_tokens("SELECT \"a\\\"b\\\\c\\nd\\%\" , `x``y` -- c\n'q''r'")
    assert tokens == [
        ("word", "SELECT"),
        ("str", 'a"b\\c\nd\\%'),
        ("sym", ","),
        ("ident", "x`y"),
        ("comment", "-- c"),
        ("str", "q'r"),
    ]


# -- helpers ---------------------------------------------------------------------------------------------------


def fe_query(stack: Any, sql: str) -> list[tuple[Any, ...]]:
    from airflow_provider_starrocks.testing.fe.client import connect, query

    conn = connect(stack.fe)
    try:
        return [tuple(row) for row in query(conn, sql)[0]]
    finally:
        conn.close()


def run_or_refusal(stack: Any, operator: Any, argument: str, context: Any = None) -> tuple[list[str], Any]:
    """
    Run ``operator.execute``; return the statements it sent and its result, or ``([], None)`` when it refused.

    A refusal must happen before any SQL is sent and its message must name ``argument``.
    """
    before = len(stack.statements)
    error: Exception | None = None
    try:
        result = operator.execute(context if context is not None else {})
    except Exception as exc:
        error = exc
    sent = stack.statements[before:]
    if error is None:
        return sent, result
    assert not sent, f"{argument}: failed after sending SQL {sent!r}: {error}"
    assert argument in str(error), f"refusal does not name {argument!r}: {error}"
    return [], None


def only(statements: list[str], prefix: str) -> str:
    found = [s for s in statements if s.lstrip().upper().startswith(prefix)]
    assert len(found) == 1, f"expected one {prefix} statement, got {statements!r}"
    return found[0]


# -- external catalog ----------------------------------------------------------------------------------------


@pytest.fixture
def fe(starrocks):
    """The reset stack, its statement log emptied."""
    starrocks.statements.clear()
    return starrocks


def catalog_operator(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.catalog import StarRocksCreateExternalCatalogOperator

    kwargs.setdefault("catalog_name", "sec_catalog")
    return StarRocksCreateExternalCatalogOperator(
        task_id="create_catalog",
        catalog_type="hive",
        metastore="glue",
        aws_conn_id=None,
        region="us-west-2",
        validate=False,
        **kwargs,
    )


def check_catalog(stack: Any, argument: str, **kwargs: Any) -> dict[str, Any] | None:
    """Create a catalog with one hostile argument; return what the FE parsed and stored, or None if refused."""
    operator = catalog_operator(**kwargs)
    sent, _ = run_or_refusal(stack, operator, argument)
    if not sent:
        return None
    create = only(sent, "CREATE EXTERNAL CATALOG")
    tokens = Tokens(create)
    tokens.words("CREATE", "EXTERNAL", "CATALOG")
    name = tokens.value("ident")
    comment = tokens.value("str") if tokens.accept_word("COMMENT") else None
    tokens.words("PROPERTIES")
    props = tokens.properties()
    tokens.end()
    stored = stack.fe.store.catalogs[name]
    shown = {row[0]: row[2] for row in fe_query(stack, "SHOW CATALOGS")}
    assert shown[name] == stored.comment
    fe_query(stack, f"DROP CATALOG `{name}`")
    return {"name": name, "comment": comment, "props": props, "stored": stored, "shown_comment": shown[name]}


@SETTINGS
@given(name=name_or_hostile)
def test_catalog_name_is_refused_or_exact(fe, name):
    got = check_catalog(fe, "catalog_name", catalog_name=name)
    if got is not None:
        assert got["name"] == name
        assert got["stored"].name == name


def catalog_comment_property(stack: Any, comment: str) -> None:
    got = check_catalog(stack, "comment", comment=comment)
    if got is not None:
        assert got["comment"] == (comment or None)  # an empty comment is left out
        assert got["shown_comment"] == comment


@SETTINGS
@example(comment=INJECTION)
@given(comment=hostile_text)
def test_catalog_comment_is_refused_or_exact(fe, comment):
    catalog_comment_property(fe, comment)


@SETTINGS
@example(key="custom." + INJECTION, value=INJECTION)
@given(key=name_or_hostile, value=hostile_text)
def test_catalog_property_key_and_value_are_refused_or_exact(fe, key, value):
    # A refusal names the argument: "properties ..." for the operator's checks, "property ..." for quoting.
    got = check_catalog(fe, "propert", properties={key: value})
    if got is not None:
        assert got["props"][key] == value
        assert got["stored"].properties[key] == value


# -- file external table -------------------------------------------------------------------------------------


@pytest.fixture
def fe_db(fe):
    fe_query(fe, "CREATE DATABASE sec_db")
    fe.statements.clear()
    return fe


def table_operator(**kwargs: Any) -> Any:
    from airflow_provider_starrocks.operators.file_table import StarRocksCreateFileExternalTableOperator

    kwargs.setdefault("table", "sec_table")
    kwargs.setdefault("columns", [("id", "BIGINT")])
    kwargs.setdefault("path", "s3://starrocks-test/sample/")
    return StarRocksCreateFileExternalTableOperator(
        task_id="create_table",
        database="sec_db",
        format="parquet",
        aws_conn_id=None,
        region="us-west-2",
        validate=False,
        **kwargs,
    )


def parse_column_type(tokens: Tokens) -> str:
    """Consume one column type (words, numbers, ``<>(),:`` nested) up to the ``,`` or ``)`` ending it."""
    depth = 0
    parts: list[str] = []
    while True:
        token = tokens.peek()
        assert token is not None, f"column list not closed: {tokens.sql!r}"
        if depth == 0 and token in (("sym", ","), ("sym", ")")):
            return " ".join(parts)
        kind, value = tokens.next()
        assert kind in ("word", "sym", "ident"), (
            f"{kind} token {value!r} inside a column type: {tokens.sql!r}"
        )
        if kind == "sym":
            assert value in "<>(),:", f"symbol {value!r} inside a column type: {tokens.sql!r}"
            depth += {"<": 1, "(": 1, ">": -1, ")": -1}.get(value, 0)
        parts.append(value)


def check_table(stack: Any, argument: str, **kwargs: Any) -> dict[str, Any] | None:
    operator = table_operator(**kwargs)
    sent, _ = run_or_refusal(stack, operator, argument)
    if not sent:
        return None
    create = only(sent, "CREATE EXTERNAL TABLE")
    tokens = Tokens(create)
    tokens.words("CREATE", "EXTERNAL", "TABLE")
    database = tokens.value("ident")
    tokens.sym(".")
    table = tokens.value("ident")
    tokens.sym("(")
    columns = []
    while True:
        columns.append((tokens.value("ident"), parse_column_type(tokens)))
        if tokens.next() == ("sym", ")"):
            break
    tokens.words("ENGINE")
    tokens.sym("=")
    tokens.words("FILE")
    comment = tokens.value("str") if tokens.accept_word("COMMENT") else None
    tokens.words("PROPERTIES")
    props = tokens.properties()
    tokens.end()
    assert database == "sec_db"
    shown = [row[0] for row in fe_query(stack, "SHOW TABLES FROM sec_db")]
    assert shown == [table]
    fe_query(stack, f"DROP TABLE sec_db.`{table.replace('`', '``')}`")
    return {"table": table, "columns": columns, "comment": comment, "props": props}


@SETTINGS
@example(table=INJECTION.replace("`", ""))
@given(table=name_or_hostile)
def test_table_name_is_refused_or_exact(fe_db, table):
    got = check_table(fe_db, "table", table=table)
    if got is not None:
        assert got["table"] == table


@SETTINGS
@example(column=INJECTION.replace("`", "").replace("*", ""))
@given(column=name_or_hostile)
def test_column_name_is_refused_or_exact(fe_db, column):
    got = check_table(fe_db, "column", columns=[(column, "BIGINT")])
    if got is not None:
        assert got["columns"] == [(column, "BIGINT")]


@SETTINGS
@given(
    column_type=st.one_of(
        hostile_text,
        st.sampled_from(["BIGINT", "DECIMAL(10, 2)", "VARCHAR(20)"]).flatmap(
            lambda t: hostile_text.map(t.__add__)
        ),
    )
)
def test_column_type_is_refused_or_only_type_tokens(fe_db, column_type):
    # Types are SQL by nature: they are checked against a type grammar, never quoted. The tokenizer then must
    # see one column whose type holds only words, numbers and <>(),: and nothing after the column list.
    got = check_table(fe_db, "columns", columns=[("c", column_type)])
    if got is not None:
        assert [name for name, _ in got["columns"]] == ["c"]


@SETTINGS
@example(suffix=INJECTION)
@given(suffix=hostile_text)
def test_path_is_refused_or_exact(fe_db, suffix):
    path = "s3://starrocks-test/" + suffix
    got = check_table(fe_db, "path", path=path)
    if got is not None:
        assert got["props"]["path"] == path


@SETTINGS
@example(comment=INJECTION)
@given(comment=hostile_text)
def test_table_comment_is_refused_or_exact(fe_db, comment):
    got = check_table(fe_db, "comment", comment=comment)
    if got is not None:
        assert got["comment"] == (comment or None)


# -- broker load ---------------------------------------------------------------------------------------------

broker_load = pytest.importorskip("airflow_provider_starrocks.operators.broker_load")


@pytest.fixture
def fe_sales(fe, monkeypatch):
    # Load jobs run through their phases without the emulator's default 50 ms per phase.
    for phase in ("pending_delay", "queueing_delay", "loading_delay", "prepared_delay"):
        monkeypatch.setattr(fe.fe.config, phase, 0.0)
    fe_query(fe, "CREATE DATABASE sales")
    fe_query(
        fe,
        "CREATE TABLE `sales`.`orders` (id BIGINT, name VARCHAR(64), amount DOUBLE, dt DATE) "
        "DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)",
    )
    fe.statements.clear()
    return fe


def minimal_context(label_seed: str = "sec") -> dict[str, Any]:
    """What the broker-load operator reads from its context outside Airflow: a task instance and no store."""
    ti = types.SimpleNamespace(
        dag_id="sec_dag",
        task_id="load",
        run_id=f"manual__{label_seed}",
        map_index=-1,
        try_number=1,
        xcom_push=lambda **_: None,
    )
    return {"ti": ti}


_load_counter = iter(range(10**6))


def check_load(stack: Any, argument: str, **kwargs: Any) -> Any:
    """Run a broker load with one hostile argument; return the emulator's parsed LOAD statement, or None."""
    stack.fe.loads.reset()  # a label generated twice must not find the earlier example's job
    kwargs.setdefault("table", "orders")
    kwargs.setdefault("source", "s3://starrocks-test/sample/orders.parquet")
    kwargs.setdefault("label", f"sec_{next(_load_counter)}")
    operator = broker_load.StarRocksS3BrokerLoadOperator(
        task_id="load", database="sales", aws_conn_id=None, region="us-west-2", poll_interval=0.01, **kwargs
    )
    before = len(stack.statements)
    error: Exception | None = None
    try:
        operator.execute(minimal_context())
    except Exception as exc:  # a submitted load may fail in StarRocks (no such file): it still reached the FE
        error = exc
    sent = stack.statements[before:]
    if error is not None and not any(s.startswith("LOAD LABEL") for s in sent):
        assert not sent, f"{argument}: failed after sending {sent!r}: {error}"
        assert argument in str(error), f"refusal does not name {argument!r}: {error}"
        return None
    load = only(stack.statements[before:], "LOAD LABEL")
    tokens = Tokens(load)
    tokens.words("LOAD", "LABEL")
    assert tokens.value("ident") == "sales"
    tokens.sym(".")
    label = tokens.value("ident")
    jobs = [j for j in stack.fe.loads.jobs_of("sales") if j.label == label]
    return types.SimpleNamespace(
        sql=load, tokens=tokens.items, stmt=jobs[0].stmt if jobs else None, label=label, jobs=jobs
    )


def token_after(tokens: list[tuple[str, str]], *words: str) -> tuple[str, str]:
    """The token following the first run of ``words`` (e.g. ``INTO TABLE``)."""
    wanted = [("word", w) for w in words]
    for i in range(len(tokens) - len(wanted)):
        if tokens[i : i + len(wanted)] == wanted:
            return tokens[i + len(wanted)]
    raise AssertionError(f"{' '.join(words)} not found in {tokens!r}")


def properties_clause(tokens: list[tuple[str, str]]) -> dict[str, str]:
    """The ``PROPERTIES (...)`` of a LOAD statement, read by the independent tokenizer."""
    index = max(i for i, t in enumerate(tokens) if t == ("word", "PROPERTIES"))
    cursor = Tokens("")
    cursor.items, cursor.pos, cursor.sql = tokens, index + 1, repr(tokens)
    props = cursor.properties()
    cursor.end()
    return props


def literals(tokens: list[tuple[str, str]]) -> list[str]:
    return [value for kind, value in tokens if kind in ("str", "ident")]


@LOAD_SETTINGS
@given(label=name_or_hostile)
def test_load_label_is_refused_or_exact(fe_sales, label):
    got = check_load(fe_sales, "label", label=label)
    if got is not None:
        assert got.label == label
        assert [row for row in fe_query(fe_sales, f'SHOW LOAD FROM sales WHERE LABEL = "{label}"')]


@LOAD_SETTINGS
@example(suffix=INJECTION)
@given(suffix=hostile_text)
def test_load_source_is_refused_or_exact(fe_sales, suffix):
    source = "s3://starrocks-test/" + suffix
    got = check_load(fe_sales, "source", source=source)
    if got is not None:
        assert got.stmt.data_descs[0].paths == [source]
        assert source in literals(got.tokens)


@LOAD_SETTINGS
@given(table=name_or_hostile)
def test_load_table_is_refused_or_exact(fe_sales, table):
    got = check_load(fe_sales, "table", table=table)
    if got is not None:
        assert token_after(got.tokens, "INTO", "TABLE") == ("ident", table)
        if (
            got.stmt is not None
        ):  # the FE accepted it (the table exists); otherwise it refused the unknown table
            assert got.stmt.data_descs[0].table == table


@LOAD_SETTINGS
@given(column=name_or_hostile)
def test_load_column_list_is_refused_or_exact(fe_sales, column):
    got = check_load(fe_sales, "column", columns=["id", column])
    if got is not None:
        assert got.stmt.data_descs[0].columns == ["id", column]


@LOAD_SETTINGS
@example(separator=INJECTION[:40])
@given(separator=hostile_text)
def test_load_column_separator_is_refused_or_exact(fe_sales, separator):
    got = check_load(
        fe_sales,
        "column_separator",
        source="s3://starrocks-test/sample/orders.csv",
        format="csv",
        format_options={"column_separator": separator},
    )
    if got is not None:
        assert got.stmt.data_descs[0].column_separator == separator


@LOAD_SETTINGS
@example(key="custom_" + INJECTION, value=INJECTION)
@given(key=name_or_hostile, value=hostile_text)
def test_load_property_key_and_value_are_refused_or_exact(fe_sales, key, value):
    got = check_load(fe_sales, "propert", properties={key: value})
    if got is not None:
        assert properties_clause(got.tokens)[key] == value
        if got.stmt is not None:  # the FE refuses unknown keys, as StarRocks's LoadStmt does
            assert got.stmt.properties.get(key) == value


def test_load_property_value_with_nul_is_refused_before_any_sql(fe_sales):
    operator = broker_load.StarRocksS3BrokerLoadOperator(
        task_id="load",
        database="sales",
        table="orders",
        source="s3://starrocks-test/sample/orders.parquet",
        label="sec_nul",
        aws_conn_id=None,
        region="us-west-2",
        properties={"custom_key": "a\x00b"},
    )
    # AirflowFailException: no retry can fix the argument.
    with pytest.raises(
        AirflowFailException, match=r"property 'custom_key' contains a NUL character"
    ) as refused:
        operator.execute(minimal_context())
    assert "a\x00b" not in str(refused.value)
    assert fe_sales.statements == []


# -- the control: a broken escaper must make these properties fail -------------------------------------------


def naive_quote_literal(value: str, what: str = "value") -> str:
    """The classic mistake: escape the quote, forget the backslash."""
    return '"' + value.replace('"', '\\"') + '"'


BREAKING_VALUES = [
    pytest.param("trailing backslash \\", id="trailing_backslash"),
    pytest.param('\\") ; DROP DATABASE sales; --', id="backslash_quote_injection"),
]


@contextlib.contextmanager
def broken_escaper(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from airflow_provider_starrocks.utils import sql
    from airflow_provider_starrocks.utils.statements import catalogs, files, loads

    with monkeypatch.context() as patch:
        for module in (sql, catalogs, files, loads):
            patch.setattr(module, "quote_literal", naive_quote_literal)
        yield


@pytest.mark.parametrize("comment", BREAKING_VALUES)
def test_control_broken_escaper_is_caught(fe, monkeypatch, comment):
    catalog_comment_property(fe, comment)  # the real escaper passes
    with broken_escaper(monkeypatch), pytest.raises(AssertionError):
        catalog_comment_property(fe, comment)


# -- the injection string is accepted where quoting applies, and lands verbatim ------------------------------


def _catalog_comment(stack: Any) -> None:
    got = check_catalog(stack, "comment", comment=INJECTION)
    assert got is not None
    assert got["shown_comment"] == INJECTION


def _catalog_property(stack: Any) -> None:
    got = check_catalog(stack, "propert", properties={"custom." + INJECTION: INJECTION})
    assert got is not None
    assert got["stored"].properties["custom." + INJECTION] == INJECTION


def _table_comment_and_path(stack: Any) -> None:
    fe_query(stack, "CREATE DATABASE sec_db")
    path = "s3://starrocks-test/" + "".join(INJECTION.split())  # file table paths refuse whitespace
    got = check_table(stack, "path", comment=INJECTION, path=path)
    assert got is not None
    assert (got["comment"], got["props"]["path"]) == (INJECTION, path)


def _load_source_and_property(stack: Any) -> None:
    fe_query(stack, "CREATE DATABASE sales")
    source = "s3://starrocks-test/" + INJECTION
    got = check_load(stack, "source", source=source, properties={"custom_" + INJECTION: INJECTION})
    assert got is not None
    assert source in literals(got.tokens)
    assert properties_clause(got.tokens)["custom_" + INJECTION] == INJECTION


@pytest.mark.parametrize(
    "scenario",
    [
        pytest.param(_catalog_comment, id="catalog_comment"),
        pytest.param(_catalog_property, id="catalog_property"),
        pytest.param(_table_comment_and_path, id="table_comment_and_path"),
        pytest.param(_load_source_and_property, id="load_source_and_property"),
    ],
)
def test_injection_string_lands_verbatim(fe, scenario):
    scenario(fe)
