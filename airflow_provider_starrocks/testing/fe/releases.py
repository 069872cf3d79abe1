"""What differs between the emulated StarRocks releases, one table per behaviour.

Handlers read ``config.release`` (a :class:`Release`) instead of comparing version numbers. Each table cites the
StarRocks file it was read from, in the ``pinterest/starrocks`` fork, whose release branches carry upstream:

======== ================================ ==========================================
release  branch                           commit
======== ================================ ==========================================
3.1      pinterest-integration-3.1.4      8a7f4f518d30920d8cd72ba8a3d87b642fe9b930
3.3      pinterest-release-3.3.5          7c653fb8f0cf2f74c087bfd92826f55d53ef8db8
3.4      pinterest-integration-3.4.0      a53c7f014639f0e2d5c760dc38b00c289163afdc
3.5      pinterest-integration-3.5        61380ea47ede4e3ef8278729b8e162d62c985ab6
newest   main (upstream main)             70d1c246d8058b1c1cdc2333338fda67c3db74c6
======== ================================ ==========================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from airflow_provider_starrocks.testing.fe.reserved_words import (
    RESERVED_31,
    RESERVED_33,
    RESERVED_35,
    RESERVED_NEWEST,
)

RELEASE_NAMES = ("3.1", "3.3", "3.4", "3.5", "newest")
BRANCH_COMMITS = {
    "3.1": "8a7f4f518d30920d8cd72ba8a3d87b642fe9b930",
    "3.3": "7c653fb8f0cf2f74c087bfd92826f55d53ef8db8",
    "3.4": "a53c7f014639f0e2d5c760dc38b00c289163afdc",
    "3.5": "61380ea47ede4e3ef8278729b8e162d62c985ab6",
    "newest": "70d1c246d8058b1c1cdc2333338fda67c3db74c6",
}


# -- SHOW LOAD: LoadProcDir.TITLE_NAMES (fe/fe-core/src/main/java/com/starrocks/common/proc/LoadProcDir.java) ------
_SHOW_LOAD_20 = (
    "JobId", "Label", "State", "Progress", "Type", "Priority", "ScanRows", "FilteredRows", "UnselectedRows",
    "SinkRows", "EtlInfo", "TaskInfo", "ErrorMsg", "CreateTime", "EtlStartTime", "EtlFinishTime", "LoadStartTime",
    "LoadFinishTime", "TrackingSQL", "JobDetails",
)  # fmt: skip
# "Warehouse" is added at 3.4.0 (a53c7f01); LoadJob.getShowInfo fills it with the warehouse's name, and
# GlobalStateMgr always creates default_warehouse (WarehouseManager.initDefaultWarehouse, shared-nothing too).
_SHOW_LOAD_21 = (*_SHOW_LOAD_20, "Warehouse")

# -- information_schema.loads: LoadsSystemTable.java (fe/fe-core/src/main/java/com/starrocks/catalog/system/
# information/LoadsSystemTable.java): 23 columns on 3.1.4 and 3.3.5, 26 from 3.4.0.
LOADS_23 = (
    "JOB_ID", "LABEL", "DATABASE_NAME", "STATE", "PROGRESS", "TYPE", "PRIORITY", "SCAN_ROWS", "FILTERED_ROWS",
    "UNSELECTED_ROWS", "SINK_ROWS", "ETL_INFO", "TASK_INFO", "CREATE_TIME", "ETL_START_TIME", "ETL_FINISH_TIME",
    "LOAD_START_TIME", "LOAD_FINISH_TIME", "JOB_DETAILS", "ERROR_MSG", "TRACKING_URL", "TRACKING_SQL",
    "REJECTED_RECORD_PATH",
)  # fmt: skip
LOADS_26 = (
    "ID", "LABEL", "PROFILE_ID", "DB_NAME", "TABLE_NAME", "USER", "WAREHOUSE", "STATE", "PROGRESS", "TYPE",
    "PRIORITY", "SCAN_ROWS", "SCAN_BYTES", "FILTERED_ROWS", "UNSELECTED_ROWS", "SINK_ROWS", "RUNTIME_DETAILS",
    "CREATE_TIME", "LOAD_START_TIME", "LOAD_COMMIT_TIME", "LOAD_FINISH_TIME", "PROPERTIES", "ERROR_MSG",
    "TRACKING_SQL", "REJECTED_RECORD_PATH", "JOB_ID",
)  # fmt: skip

# -- information_schema.task_runs: TaskRunsSystemTable.java (same folder): no CATALOG on 3.1.4; JOB_ID and
# PROCESS_TIME only on main.
_TASK_RUNS_13 = (
    "QUERY_ID", "TASK_NAME", "CREATE_TIME", "FINISH_TIME", "STATE", "DATABASE", "DEFINITION", "EXPIRE_TIME",
    "ERROR_CODE", "ERROR_MESSAGE", "PROGRESS", "EXTRA_MESSAGE", "PROPERTIES",
)  # fmt: skip
_TASK_RUNS_14 = (*_TASK_RUNS_13[:5], "CATALOG", *_TASK_RUNS_13[5:])
_TASK_RUNS_16 = (*_TASK_RUNS_14, "JOB_ID", "PROCESS_TIME")

# -- broker load PROPERTIES: LoadStmt.PROPERTIES_SET (fe/fe-core/src/main/java/com/starrocks/sql/ast/LoadStmt.java).
_LOAD_PROPS_31 = frozenset(
    {
        "timeout", "max_filter_ratio", "load_delete_flag", "load_mem_limit", "cluster", "strict_mode", "version",
        "timezone", "partial_update", "priority", "case_sensitive", "log_rejected_record_num",
        "partial_update_mode", "spark_load_submit_timeout", "merge_condition",
    }
)  # fmt: skip
# 3.3.5 adds STRIP_OUTER_ARRAY, JSONPATHS, JSONROOT and PropertyAnalyzer.PROPERTIES_WAREHOUSE ("warehouse").
_LOAD_PROPS_33 = _LOAD_PROPS_31 | {"strip_outer_array", "jsonpaths", "json_root", "warehouse"}

# -- FILES(): TableFunctionTable.parseProperties / SUPPORTED_FORMATS
# (fe/fe-core/src/main/java/com/starrocks/catalog/TableFunctionTable.java). 3.1.4 accepts parquet and orc
# (case-insensitively), 3.3.5 and 3.4.0 add csv, 3.5 adds avro. 3.1.4 has no csv.* properties.
_FILES_31 = ("parquet", "orc")
_FILES_33 = ("parquet", "orc", "csv")
_FILES_35 = ("parquet", "orc", "csv", "avro")

# -- file external tables: FileTable.validate (fe/fe-core/src/main/java/com/starrocks/catalog/FileTable.java).
# 3.1.4 compares with equalsIgnoreCase against parquet/orc/text; from 3.3.5 SUPPORTED_FORMAT.containsKey(format)
# looks the raw value up among lower-case keys, so "ORC" fails with "not supported format: ORC".
_FILE_TABLE_31 = ("parquet", "orc", "text")
_FILE_TABLE_33 = ("parquet", "orc", "text", "avro", "rctext", "rcbinary", "sequence")

# -- INSERT with filtered rows: StmtExecutor.handleDMLStmt (fe/fe-core/src/main/java/com/starrocks/qe/
# StmtExecutor.java). 3.1.4 and 3.3.5 fail in strict mode (enable_insert_strict, default true); from 3.4.0 the
# INSERT fails when filtered rows exceed its max_filter_ratio (default 0) with another text.
_FILTERED_31 = "Insert has filtered data in strict mode, txn_id = {txn_id} tracking sql = {tracking_sql}"
_FILTERED_34 = "Insert has filtered data, txn_id = {txn_id}, tracking sql = {tracking_sql}"


@dataclass(frozen=True)
class Release:
    """The behaviour tables of one emulated release.

    :param name: ``3.1``, ``3.3``, ``3.4``, ``3.5`` or ``newest``.
    :param show_load_columns: SHOW LOAD's titles.
    :param loads_columns: ``information_schema.loads`` columns.
    :param task_runs_columns: ``information_schema.task_runs`` columns.
    :param load_properties: the keys broker-load PROPERTIES accepts.
    :param files_formats: the formats FILES() accepts (compared case-insensitively).
    :param files_csv_options: whether FILES() reads ``csv.*`` properties.
    :param file_table_formats: the formats ENGINE=file accepts.
    :param file_table_format_case_sensitive: whether that lookup is case-sensitive (lower-case keys).
    :param insert_filtered_text: the error of an INSERT with filtered rows (``{txn_id}``, ``{tracking_sql}``).
    :param reserved_words: the keywords refused as unquoted identifiers (``reserved_words.py``).
    :param desc_files: whether ``DESC FILES(...)`` parses (``descTableStatement``, 3.3+).
    :param insert_label_after_columns: whether ``WITH LABEL`` may follow the column list
        (``insertLabelOrColumnAliases*`` in StarRocks.g4 from 3.4.0; 3.1.4 and 3.3.5 take
        ``(WITH LABEL l)? columnAliases?`` only).
    :param insert_max_filter_ratio: whether the session variable ``insert_max_filter_ratio`` exists
        (SessionVariable.INSERT_MAX_FILTER_RATIO and VariableVarConverters.InsertMaxFilterRatioConverter, 3.4.0+).
    :param drop_task_missing_text: the error of ``DROP TASK`` of an unknown task (``{name}``): 3.1.4 throws a
        RuntimeException that StmtExecutor reports as ``Unexpected exception: ...``; from 3.3.5 a SemanticException
        (DDLStmtExecutor.visitDropTaskStmt; recorded in test/sql/test_task/R/test_drop on every branch).
    """

    name: str
    show_load_columns: tuple[str, ...]
    loads_columns: tuple[str, ...]
    task_runs_columns: tuple[str, ...]
    load_properties: frozenset[str]
    files_formats: tuple[str, ...]
    files_csv_options: bool
    file_table_formats: tuple[str, ...]
    file_table_format_case_sensitive: bool
    insert_filtered_text: str
    reserved_words: frozenset[str] = RESERVED_33
    desc_files: bool = True
    insert_label_after_columns: bool = True
    insert_max_filter_ratio: bool = True
    drop_task_missing_text: str = "Getting analyzing error. Detail message: Task {name} is not exist."

    @property
    def commit(self) -> str:
        return BRANCH_COMMITS[self.name]

    @property
    def loads_newest_layout(self) -> bool:
        return self.loads_columns == LOADS_26

    @property
    def unload(self) -> UnloadRelease:
        """``INSERT INTO FILES()`` (unload) behaviour: :data:`UNLOADS`."""
        return UNLOADS[self.name]

    @property
    def pipes(self) -> PipeRelease:
        """Pipe behaviour: :data:`PIPES`."""
        return PIPES[self.name]


RELEASES: dict[str, Release] = {
    "3.1": Release(
        name="3.1",
        show_load_columns=_SHOW_LOAD_20,
        loads_columns=LOADS_23,
        task_runs_columns=_TASK_RUNS_13,
        load_properties=_LOAD_PROPS_31,
        files_formats=_FILES_31,
        files_csv_options=False,
        file_table_formats=_FILE_TABLE_31,
        file_table_format_case_sensitive=False,
        insert_filtered_text=_FILTERED_31,
        reserved_words=RESERVED_31,
        desc_files=False,
        insert_label_after_columns=False,
        insert_max_filter_ratio=False,
        drop_task_missing_text="Unexpected exception: Task {name} is not exist",
    ),
    "3.3": Release(
        name="3.3",
        show_load_columns=_SHOW_LOAD_20,
        loads_columns=LOADS_23,
        task_runs_columns=_TASK_RUNS_14,
        load_properties=_LOAD_PROPS_33,
        files_formats=_FILES_33,
        files_csv_options=True,
        file_table_formats=_FILE_TABLE_33,
        file_table_format_case_sensitive=True,
        insert_filtered_text=_FILTERED_31,
        insert_label_after_columns=False,
        insert_max_filter_ratio=False,
    ),
    "3.4": Release(
        name="3.4",
        show_load_columns=_SHOW_LOAD_21,
        loads_columns=LOADS_26,
        task_runs_columns=_TASK_RUNS_14,
        load_properties=_LOAD_PROPS_33,
        files_formats=_FILES_33,
        files_csv_options=True,
        file_table_formats=_FILE_TABLE_33,
        file_table_format_case_sensitive=True,
        insert_filtered_text=_FILTERED_34,
    ),
    "3.5": Release(
        name="3.5",
        show_load_columns=_SHOW_LOAD_21,
        loads_columns=LOADS_26,
        task_runs_columns=_TASK_RUNS_14,
        load_properties=_LOAD_PROPS_33,
        files_formats=_FILES_35,
        files_csv_options=True,
        file_table_formats=_FILE_TABLE_33,
        file_table_format_case_sensitive=True,
        insert_filtered_text=_FILTERED_34,
        reserved_words=RESERVED_35,
    ),
    "newest": Release(
        name="newest",
        show_load_columns=_SHOW_LOAD_21,
        loads_columns=LOADS_26,
        task_runs_columns=_TASK_RUNS_16,
        load_properties=_LOAD_PROPS_33,
        files_formats=_FILES_35,
        files_csv_options=True,
        file_table_formats=_FILE_TABLE_33,
        file_table_format_case_sensitive=True,
        insert_filtered_text=_FILTERED_34,
        reserved_words=RESERVED_NEWEST,
    ),
}


# -- INSERT INTO FILES() (unload). Grammar: insertStatement in StarRocks.g4 (3.1.4: fe/fe-core/src/main/java/com/
# starrocks/sql/parser/StarRocks.g4 has no FILES target, and FILES is a reserved word, so the statement is a syntax
# error; 3.3.5 ... main: INSERT INTO FILES propertyList, WITH LABEL accepted and dropped by AstBuilder
# .visitInsertStatement). Properties: TableFunctionTable.parsePropertiesForUnload (fe/fe-core/src/main/java/com/
# starrocks/catalog/TableFunctionTable.java): identical on 3.3.5 and 3.4.0; 3.5 converts and length-checks
# csv.column_separator / csv.row_delimiter and adds parquet.version; main adds csv.include_header. The BE writers
# (be/src/formats/csv/csv_file_writer.cpp) refuse a compressed CSV ("not supported compression type ...") up to 3.5;
# main compresses it and names the file .csv.<ext> (be/src/connector/file_chunk_sink.cpp). INSERT INTO FILES()
# arrived upstream in 3.2 (not emulated), with csv and orc output by 3.3.
@dataclass(frozen=True)
class UnloadRelease:
    r"""What INSERT INTO FILES() accepts at one release.

    :param supported: whether the grammar has INSERT INTO FILES() at all.
    :param csv_delimiter_checks: csv.column_separator / csv.row_delimiter converted (``\x..``) and length-checked.
    :param parquet_version: whether ``parquet.version`` is read.
    :param csv_include_header: whether ``csv.include_header`` is read.
    :param csv_compression: whether a compressed CSV can be written.
    """

    supported: bool
    csv_delimiter_checks: bool = False
    parquet_version: bool = False
    csv_include_header: bool = False
    csv_compression: bool = False


UNLOADS: dict[str, UnloadRelease] = {
    "3.1": UnloadRelease(supported=False),
    "3.3": UnloadRelease(supported=True),
    "3.4": UnloadRelease(supported=True),
    "3.5": UnloadRelease(supported=True, csv_delimiter_checks=True, parquet_version=True),
    "newest": UnloadRelease(
        supported=True, csv_delimiter_checks=True, parquet_version=True, csv_include_header=True,
        csv_compression=True,
    ),
}  # fmt: skip


# -- Pipes: fe/fe-core/src/main/java/com/starrocks/load/pipe/ (Pipe.java, FilePipeSource.java, PipeManager.java),
# sql/analyzer/PipeAnalyzer.java, the createPipeStatement ... showPipeStatement rules of StarRocks.g4, and
# catalog/system/information/PipesSystemTable.java / PipeFileSystemTable.java (the same columns on 3.3.5 ... main).
# 3.1.4 has none of it (no PIPE in its grammar). Pipe.processProperties keeps the keys as written on 3.3.5 and
# lower-cases them from 3.4.0 (SHOW PIPES / information_schema.pipes PROPERTIES). Pipe.poll turns the pipe to ERROR
# when listing the source fails on 3.3.5 and 3.4.0; from 3.5 it only records the error. FilePipeSource.poll wraps
# the listing's exception (HdfsFsManager.listFileMeta: "Fail to get file status: ...") in a RuntimeException, whose
# message is the wrapped exception's class and text: com.starrocks.common.UserException up to 3.4, renamed
# com.starrocks.common.StarRocksException in 3.5.
@dataclass(frozen=True)
class PipeRelease:
    """What pipes do at one release.

    :param supported: whether CREATE / ALTER / DROP / SHOW PIPE(S) exist.
    :param lower_case_property_keys: whether stored property keys are lower-cased.
    :param poll_error_stops_pipe: whether a failed listing of the source turns the pipe to ERROR.
    :param user_exception: the Java class name a failed listing's message starts with.
    """

    supported: bool
    lower_case_property_keys: bool = False
    poll_error_stops_pipe: bool = True
    user_exception: str = "com.starrocks.common.UserException"


PIPES: dict[str, PipeRelease] = {
    "3.1": PipeRelease(supported=False),
    "3.3": PipeRelease(supported=True),
    "3.4": PipeRelease(supported=True, lower_case_property_keys=True),
    "3.5": PipeRelease(
        supported=True,
        lower_case_property_keys=True,
        poll_error_stops_pipe=False,
        user_exception="com.starrocks.common.StarRocksException",
    ),
    "newest": PipeRelease(
        supported=True,
        lower_case_property_keys=True,
        poll_error_stops_pipe=False,
        user_exception="com.starrocks.common.StarRocksException",
    ),
}

# What `current_version()` shows for a release given by name only.
DEFAULT_VERSIONS = {"3.1": "3.1.4", "3.3": "3.3.5", "3.4": "3.4.0", "3.5": "3.5.0", "newest": "4.0.0"}


def release_name(version: str) -> str:
    """Map a version such as ``3.3.5``, ``3.4`` or ``newest`` to the name of the emulated release.

    Releases after 3.5 (3.6, 4.x) and ``newest`` / ``main`` are the newest; 3.2 and anything before 3.1 are not
    emulated.

    :param version: the version text.
    """
    text = str(version).strip().lower()
    if text in ("newest", "main", "latest"):
        return "newest"
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?(?:[-.].*)?", text)
    if match:
        major, minor = int(match.group(1)), int(match.group(2))
        if (major, minor) in ((3, 1), (3, 3), (3, 4), (3, 5)):
            return f"{major}.{minor}"
        if (major, minor) > (3, 5):
            return "newest"
    raise ValueError(
        f"StarRocks release {version!r} is not emulated: use one of 3.1, 3.3, 3.4, 3.5 or newest "
        "(a full version such as 3.3.5 is accepted)."
    )


def full_version(version: str) -> str:
    """Return ``version`` with a release name (``3.4``, ``newest``) replaced by its full default version.

    :param version: the version text; raises ``ValueError`` when its release is not emulated.
    """
    name = release_name(version)
    text = str(version).strip()
    return DEFAULT_VERSIONS[name] if text.lower() in (name, "main", "latest") or text == name else text


def nearest_release(version: str) -> Release:
    """Return the tables of ``version``'s release, or of the newest emulated release before it (3.2 -> 3.1), or 3.1.

    Tests of the provider's own version checks set an unemulated ``current_version()`` (3.0.9, 3.2.1) at run
    time; the emulator then answers with the nearest emulated release's behaviour.

    :param version: the version text.
    """
    try:
        return release_for(version)
    except ValueError:
        return RELEASES["3.1"]  # 3.2.x and anything before 3.1


def release_for(version: str) -> Release:
    """Return the behaviour tables of the release ``version`` belongs to.

    :param version: the version text (see :func:`release_name`).
    """
    return RELEASES[release_name(version)]
