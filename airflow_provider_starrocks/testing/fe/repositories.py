"""Backup repositories: ``CREATE [READ ONLY] REPOSITORY``, ``DROP REPOSITORY``, ``SHOW REPOSITORIES``, ``SHOW SNAPSHOT``.

A repository is a location in S3 reached with the ``aws.s3.*`` properties it stores; its objects are laid out as
``fe/fe-core/src/main/java/com/starrocks/backup/Repository.java`` lays them out (the same on every emulated release,
pinterest/starrocks 8a7f4f51, 7c653fb8, a53c7f01, 61380ea4, main 70d1c246)::

    <location>/__starrocks_repository_<name>/__repo_info                              written at CREATE
    <location>/__starrocks_repository_<name>/__ss_<snapshot>/__ss_content/...         the data files (UPLOADING)
    <location>/__starrocks_repository_<name>/__ss_<snapshot>/__meta.<md5>             table schemas (UPLOAD_INFO)
    <location>/__starrocks_repository_<name>/__ss_<snapshot>/__info_<yyyy-MM-dd-HH-mm-ss-SSS>.<md5>   job info

Both ``s3://`` and ``s3a://`` locations work: the FE opens either through Hadoop's S3AFileSystem
(fs/hdfs/HdfsFsManager.java ``getFileSystem``: ``case S3A_SCHEME`` and ``case S3_SCHEMA``; AWSCloudConfiguration
sets ``fs.s3.impl`` to S3AFileSystem on every emulated branch) and the BE uploads to either (be/src/fs/fs_util.h
``is_s3_uri``), although CREATE_REPOSITORY.md asks for ``s3a://``.
Other schemes (HDFS, OSS, GCS...) are not emulated.

What the emulator keeps from StarRocks's storage calls (backup/BlobStorage.java, fs/HdfsUtil.java, 3.3.5):
- listing failures are ``failed to list remote path: <path>. msg: Fail to get file status: <cause>``; the cause
  (Hadoop's and the AWS SDK's text) is the emulator's ``<operation> on <path>: <code>: <message>``;
- ``directUpload`` (the ``__repo_info`` of CREATE REPOSITORY) writes through ``HdfsWriter``, whose ``close()``
  swallows the failed upload (it only logs ``HDFS close writer failed``): an identity that may list but not write
  creates the repository without error, and its backups then fail in UPLOADING.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from airflow_provider_starrocks.testing.aws_errors import StorageAccessError, call_aws
from airflow_provider_starrocks.testing.fe.errors import StarRocksError, analysis_error, not_supported

if TYPE_CHECKING:
    from collections.abc import Mapping

    from airflow_provider_starrocks.testing.fe.stream import TokenStream

log = logging.getLogger(__name__)

REPO_PREFIX = "__starrocks_repository_"
SNAPSHOT_PREFIX = "__ss_"
JOB_INFO_PREFIX = "__info_"
FILE_REPO_INFO = "__repo_info"
FILE_META_INFO = "__meta"
DIR_SNAPSHOT_CONTENT = "__ss_content"
#: BackupJob.TIMESTAMP_FORMAT ``yyyy-MM-dd-HH-mm-ss-SSS``: the name of a backup, what RESTORE's backup_timestamp is.
TIMESTAMP_FORMAT = "%Y-%m-%d-%H-%M-%S"
_SCHEMES = ("s3a://", "s3://")
#: FeNameFormat.COMMON_NAME_REGEX, the same on every emulated branch.
COMMON_NAME = r"^[a-zA-Z]\w{0,63}$|^_[a-zA-Z0-9]\w{0,62}$"
#: ShowRepositoriesStmt.TITLE_NAMES (fe/fe-core/src/main/java/com/starrocks/sql/ast/ShowRepositoriesStmt.java; on
#: main fe/fe-parser/src/main/java/com/starrocks/sql/ast/): the same on every emulated branch.
SHOW_REPOSITORIES_COLUMNS = ["RepoId", "RepoName", "CreateTime", "IsReadOnly", "Location", "Broker", "ErrMsg"]
#: ShowSnapshotStmt.SNAPSHOT_ALL / SNAPSHOT_DETAIL (the detail layout when both SNAPSHOT and TIMESTAMP are given).
SHOW_SNAPSHOT_COLUMNS = ["Snapshot", "Timestamp", "Status"]
SHOW_SNAPSHOT_DETAIL_COLUMNS = ["Snapshot", "Timestamp", "Database", "Details", "Status"]
# ShowSnapshotAnalyzer: the one text for every WHERE clause it does not accept.
_SNAPSHOT_WHERE_ERROR = (
    "Where clause should looks like: SNAPSHOT = 'your_snapshot_name' [AND TIMESTAMP = '2018-04-18-19-19-10']"
)
NULL_STRING = "NULL"  # FeConstants.NULL_STRING


class S3Gateway(Protocol):
    """What repositories need from ``airflow_provider_starrocks.testing.aws.AwsEmulator``."""

    def s3_client(self, props: Mapping[str, str], prefix: str = "aws.s3") -> Any: ...


class StorageFailure(Exception):
    """A failed object-store call, with the text StarRocks would put in the job's status or error.

    :param msg: the text.
    """

    def __init__(self, msg: str) -> None:
        super().__init__(msg)
        self.msg = msg


def format_time(epoch: float | None) -> str:
    """Return ``TimeUtils.longToTimeString``: ``yyyy-MM-dd HH:mm:ss``, ``NULL`` for an unset time.

    :param epoch: seconds since the epoch, or None.
    """
    if not epoch:
        return NULL_STRING
    return dt.datetime.fromtimestamp(epoch).strftime("%Y-%m-%d %H:%M:%S")


def backup_timestamp(epoch: float) -> str:
    """Return the ``yyyy-MM-dd-HH-mm-ss-SSS`` name of a backup created at ``epoch``.

    :param epoch: the job's create time.
    """
    moment = dt.datetime.fromtimestamp(epoch)
    return f"{moment.strftime(TIMESTAMP_FORMAT)}-{moment.microsecond // 1000:03d}"


def _md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def _cause(operation: str, path: str, exc: StorageAccessError) -> str:
    # Hadoop's S3AUtils.translateException frames the SDK error as "<operation> on <path>: <error>"; the error
    # text itself is the emulator's.
    return f"{operation} on {path}: {exc.code or 'S3Exception'}: {exc.message}"


@dataclass
class Repository:
    """A repository as RepositoryMgr keeps it.

    :param id: the repository id (``globalStateMgr.getNextId()``).
    :param name: the name.
    :param read_only: CREATE READ ONLY REPOSITORY.
    :param location: the location as written.
    :param broker: the broker name, ``""`` for a broker-less repository (BlobStorage).
    :param properties: the PROPERTIES, credentials included (never shown).
    :param create_time: epoch seconds.
    """

    id: int
    name: str
    read_only: bool
    location: str
    broker: str
    properties: dict[str, str] = field(repr=False)
    create_time: float = field(default_factory=time.time)
    err_msg: str | None = None

    @property
    def root(self) -> str:
        return f"{self.location.rstrip('/')}/{REPO_PREFIX}{self.name}"

    def snapshot_dir(self, label: str) -> str:
        return f"{self.root}/{SNAPSHOT_PREFIX}{label}"

    def info_path(self, label: str, timestamp: str = "") -> str:
        """``assembleJobInfoFilePath``: the job info file of a backup (``timestamp`` empty: the common prefix)."""
        return f"{self.snapshot_dir(label)}/{JOB_INFO_PREFIX}{timestamp}"

    def meta_path(self, label: str) -> str:
        return f"{self.snapshot_dir(label)}/{FILE_META_INFO}"

    def content_path(self, label: str, child: str) -> str:
        return f"{self.snapshot_dir(label)}/{DIR_SNAPSHOT_CONTENT}/{child}"

    def show_row(self) -> tuple[str, ...]:
        """Repository.getInfo."""
        return (
            str(self.id), self.name, format_time(self.create_time), "true" if self.read_only else "false",
            self.location, self.broker, self.err_msg or NULL_STRING,
        )  # fmt: skip


def split_location(path: str) -> tuple[str, str]:
    """Split an ``s3a://`` / ``s3://`` path into (bucket, key).

    :param path: the path.
    """
    for scheme in _SCHEMES:
        if path.startswith(scheme):
            bucket, _, key = path[len(scheme) :].partition("/")
            return bucket, key
    raise StorageFailure(f"invalid path {path}")


class RepositoryStorage:
    """The object-store calls of one repository, with its own credentials (IAM enforced by moto).

    :param aws: the AWS side of the stack.
    :param repo: the repository.
    """

    def __init__(self, aws: S3Gateway, repo: Repository) -> None:
        self.aws = aws
        self.repo = repo

    def _client(self) -> Any:
        return self.aws.s3_client(self.repo.properties)

    def list_prefix(self, prefix_path: str, *, glob: bool = True) -> list[tuple[str, int]]:
        """Return ``(path, size)`` of the objects whose path starts with ``prefix_path`` (``storage.list(p + "*")``).

        :param prefix_path: a full ``s3a://`` path prefix.
        :param glob: whether StarRocks lists ``prefix_path + "*"`` (the path in its error) or the path itself.
        :raises StorageFailure: ``failed to list remote path: ...``.
        """
        bucket, key = split_location(prefix_path)
        scheme = prefix_path[: prefix_path.index("://") + 3]
        found: list[tuple[str, int]] = []
        try:
            client = self._client()
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
                if token:
                    kwargs["ContinuationToken"] = token
                page = call_aws(client.list_objects_v2, **kwargs)
                found += [(f"{scheme}{bucket}/{o['Key']}", int(o["Size"])) for o in page.get("Contents", [])]
                token = page.get("NextContinuationToken")
                if not token:
                    return found
        except StorageAccessError as exc:
            raise StorageFailure(
                f"failed to list remote path: {prefix_path}{'*' if glob else ''}. msg: Fail to get file status: "
                + _cause("getFileStatus", prefix_path, exc)
            ) from None

    def child_dirs(self, prefix_path: str) -> list[str]:
        """Return the names of the "directories" just below a prefix whose names start with its last part.

        :param prefix_path: e.g. ``<root>/__ss_`` (Repository.listSnapshots lists ``<root>/__ss_*``).
        """
        parent = prefix_path.rsplit("/", 1)[0] + "/"
        names = []
        for path, _size in self.list_prefix(prefix_path):
            rest = path[len(parent) :]
            if "/" in rest:
                name = rest.split("/", 1)[0]
                if name not in names:
                    names.append(name)
        return names

    def put(self, path: str, data: bytes) -> None:
        """Write one object.

        :param path: the full path.
        :param data: the content.
        :raises StorageFailure: with the BE's S3OutputStream text (be/src/io/s3_output_stream.cpp, 3.3.5).
        """
        bucket, key = split_location(path)
        try:
            call_aws(self._client().put_object, Bucket=bucket, Key=key, Body=data)
        except StorageAccessError as exc:
            raise StorageFailure(f"S3: Fail to put object {bucket}/{key}, msg: {exc.message}") from None

    def get(self, path: str) -> bytes:
        """Read one object.

        :param path: the full path.
        :raises StorageFailure: ``could not open file <path>`` (HdfsFsManager.openReader) with the cause.
        """
        bucket, key = split_location(path)
        try:
            body = call_aws(self._client().get_object, Bucket=bucket, Key=key)["Body"]
            with body:
                return bytes(body.read())
        except StorageAccessError as exc:
            raise StorageFailure(f"could not open file {path}: " + _cause("open", path, exc)) from None

    def delete(self, path: str) -> None:
        """Delete one object (a missing one is not an error, as S3A's delete of a missing path).

        :param path: the full path.
        :raises StorageFailure: ``delete path <path>error`` (HdfsFsManager.deletePath) with the cause.
        """
        bucket, key = split_location(path)
        if not any(found == path for found, _ in self.list_prefix(path, glob=False)):
            return  # S3AFileSystem.delete finds no file and returns false without a DELETE request
        try:
            call_aws(self._client().delete_object, Bucket=bucket, Key=key)
        except StorageAccessError as exc:
            raise StorageFailure(f"delete path {path}error: " + _cause("delete", path, exc)) from None

    def upload(self, path: str, data: bytes) -> str:
        """Repository.upload: delete ``<path>.part`` and the final file, write ``.part``, rename it to ``<path>.<md5>``.

        :param path: the path without checksum.
        :param data: the content.
        :return: the final path.
        """
        final = f"{path}.{_md5(data)}"
        self.delete(f"{path}.part")
        self.delete(final)
        self.put(f"{path}.part", data)
        self.rename(f"{path}.part", final)
        return final

    def rename(self, source: str, target: str) -> None:
        """Rename as S3A does (copy, then delete the source).

        :raises StorageFailure: ``errors while rename <src>to <dest>`` (HdfsFsManager.renamePath).
        """
        bucket, key = split_location(source)
        target_bucket, target_key = split_location(target)
        try:
            call_aws(
                self._client().copy_object,
                Bucket=target_bucket,
                Key=target_key,
                CopySource={"Bucket": bucket, "Key": key},
            )
        except StorageAccessError as exc:
            raise StorageFailure(
                f"errors while rename {source}to {target}: " + _cause("rename", source, exc)
            ) from None
        self.delete(source)

    def download(self, path: str) -> bytes:
        """Repository.download: the one file ``<path>.<md5>``, its checksum checked.

        :param path: the path without checksum.
        :raises StorageFailure: with Repository.download's texts.
        """
        files = self.list_prefix(path)
        if len(files) != 1:
            raise StorageFailure(f"Expected one file with path: {path}. get: {len(files)}")
        found, _size = files[0]
        name, _, md5 = found.rpartition(".")
        if len(md5) != 32:
            raise StorageFailure(f"file name should contains checksum: {found}")
        if not path.endswith(name.rsplit("/", 1)[-1]):
            raise StorageFailure(f"File does not exist: {path}")
        data = self.get(found)
        if _md5(data) != md5:
            raise StorageFailure(f"md5sum does not equal. local: {_md5(data)}, remote: {md5}")
        return data


class RepositoryManager:
    """RepositoryMgr: the repositories of the cluster, by name.

    :param aws: the AWS side of the stack.
    :param next_id: the cluster's id generator.
    """

    def __init__(self, aws: S3Gateway, next_id: Any) -> None:
        self.aws = aws
        self.lock = threading.RLock()
        self.repos: dict[str, Repository] = {}
        self._next_id = next_id

    def reset(self) -> None:
        with self.lock:
            self.repos.clear()

    def storage(self, repo: Repository) -> RepositoryStorage:
        return RepositoryStorage(self.aws, repo)

    def get(self, name: str) -> Repository | None:
        with self.lock:
            return self.repos.get(name)

    # -- statements ---------------------------------------------------------------------------------------

    def create(self, ts: TokenStream, read_only: bool) -> None:
        """``CREATE [READ ONLY] REPOSITORY name WITH BROKER [broker] ON LOCATION "..." [PROPERTIES (...)]``.

        The stream is after ``REPOSITORY`` (StarRocks.g4 createRepositoryStatement, every emulated branch).
        """
        name = ts.identifier()
        ts.expect_kw("WITH", "BROKER")
        broker = None if ts.at_kw("ON", "LOCATION") else ts.identifier_or_string()
        ts.expect_kw("ON", "LOCATION")
        location = ts.string()
        properties = ts.property_list() if ts.accept_kw("PROPERTIES") else {}
        ts.end()
        check_repo_name(name)
        # RepositoryAnalyzer: an empty location, then the broker.
        if not location:
            raise analysis_error("You must specify a location on the repository")
        if broker is not None:
            # RepositoryAnalyzer: the emulated cluster has no broker (BrokerMgr.getBroker finds none).
            raise analysis_error(f"failed to get address of broker {broker}")
        if not location.startswith(_SCHEMES):
            if "://" not in location:
                # HdfsFsManager.getFileSystem, reached from initRepository's first list.
                raise StarRocksError(
                    "Failed to create repository: failed to list remote path: "
                    f"{location}/{REPO_PREFIX}{name}/{FILE_REPO_INFO}. msg: invalid path. scheme is null"
                )
            raise not_supported(
                f"repository location {location.split('://', 1)[0]}:// (only s3a:// and s3://)"
            )
        # RepositoryMgr.addAndInitRepoIfNotExist: the name first, then the storage.
        if self.get(name) is not None:
            raise StarRocksError(
                f"Failed to create repository: repository with same name already exist: {name}"
            )
        repo = Repository(self._next_id(), name, read_only, location, "", dict(properties))
        self._init_repository(repo)
        with self.lock:
            if name in self.repos:
                raise StarRocksError(
                    f"Failed to create repository: repository with same name already exist: {name}"
                )
            self.repos[name] = repo

    def _init_repository(self, repo: Repository) -> None:
        """Repository.initRepository: adopt an existing ``__repo_info`` or write one."""
        storage = self.storage(repo)
        info_path = f"{repo.root}/{FILE_REPO_INFO}"
        try:
            files = storage.list_prefix(info_path, glob=False)
        except StorageFailure as exc:
            raise StarRocksError(f"Failed to create repository: {exc.msg}") from None
        if len(files) > 1:
            raise StarRocksError(
                "Failed to create repository: Invalid repository dir. expected one repo info file. get more: "
                + str([path for path, _ in files])
            )
        if files:
            try:
                info = json.loads(storage.get(files[0][0]))
                repo.create_time = dt.datetime.strptime(info["create_time"], "%Y-%m-%d %H:%M:%S").timestamp()
            except StorageFailure as exc:
                raise StarRocksError(f"Failed to create repository: {exc.msg}") from None
            except (ValueError, KeyError, TypeError) as exc:
                raise StarRocksError(
                    f"Failed to create repository: failed to read repo info file: {exc}"
                ) from None
            return
        content = json.dumps({"name": repo.name, "create_time": format_time(repo.create_time)}).encode()
        try:
            storage.put(info_path, content)
        except StorageFailure as exc:
            # HdfsUtil.HdfsWriter.close() swallows the failed upload: the repository is created anyway.
            log.debug("repository %s: %s", repo.name, exc.msg)

    def drop(self, ts: TokenStream, running: set[str]) -> None:
        """``DROP REPOSITORY name`` (the stream is after REPOSITORY).

        :param running: names of repositories an unfinished backup or restore job uses.
        """
        name = ts.identifier()
        ts.end()
        check_repo_name(name)
        with self.lock:
            if name not in self.repos:
                # RepositoryAnalyzer.visitDropRepositoryStatement.
                raise analysis_error("Repository does not exist")
            if name in running:
                # BackupHandler.dropRepository.
                raise StarRocksError("Backup or restore job is running on this repository. Can not drop it")
            del self.repos[name]

    def show(self) -> tuple[list[tuple[Any, ...]], list[str]]:
        with self.lock:
            rows = [repo.show_row() for repo in sorted(self.repos.values(), key=lambda r: r.id)]
        return rows, list(SHOW_REPOSITORIES_COLUMNS)

    def list_snapshots(self, repo: Repository) -> list[str]:
        """Repository.listSnapshots: the ``__ss_*`` directories of the repository.

        :raises StorageFailure: when the listing fails.
        """
        names = self.storage(repo).child_dirs(f"{repo.root}/{SNAPSHOT_PREFIX}")
        return [n[len(SNAPSHOT_PREFIX) :] for n in names if n.startswith(SNAPSHOT_PREFIX)]

    def timestamps(self, repo: Repository, label: str) -> list[str]:
        """Return the backup timestamps of a snapshot (the ``__info_<ts>.<md5>`` files).

        :raises StorageFailure: when the listing fails.
        """
        prefix = repo.info_path(label)
        found = []
        for path, _ in self.storage(repo).list_prefix(prefix):
            name = path.rsplit("/", 1)[-1]
            stem, _, md5 = name.rpartition(".")
            found.append(stem[len(JOB_INFO_PREFIX) :] if len(md5) == 32 else f"Invalid: {name}")
        return found

    def show_snapshot(self, ts: TokenStream) -> tuple[list[tuple[Any, ...]], list[str]]:
        """``SHOW SNAPSHOT ON repo [WHERE ...]`` (the stream is after SNAPSHOT).

        ShowSnapshotAnalyzer (the same on every emulated branch): ``SNAPSHOT = "x"``, optionally ``AND TIMESTAMP =
        "t"`` (either order), or ``SNAPSHOT IN ("a", "b")``; the comparison operator is not checked, a timestamp
        alone or anything else fails with one text. Repository.getSnapshotInfos gives the rows.
        """
        ts.expect_kw("ON")
        name = ts.identifier()
        snapshot, timestamp, names = _snapshot_where(ts)
        repo = self.get(name)
        if repo is None:
            raise analysis_error(f"Repository [{name}] does not exist")
        if snapshot:
            row = self._snapshot_info(repo, snapshot, timestamp)
            return [row], list(SHOW_SNAPSHOT_DETAIL_COLUMNS if timestamp else SHOW_SNAPSHOT_COLUMNS)
        try:
            labels = self.list_snapshots(repo)
        except StorageFailure as exc:
            raise analysis_error(f"Failed to list snapshot in repo: {repo.name}, err: {exc.msg}") from None
        rows = [self._snapshot_info(repo, label, None) for label in labels if not names or label in names]
        return rows, list(SHOW_SNAPSHOT_COLUMNS)

    def _snapshot_info(self, repo: Repository, label: str, timestamp: str | None) -> tuple[Any, ...]:
        if not timestamp:
            try:
                found = self.timestamps(repo, label)
            except StorageFailure as exc:
                return (label, NULL_STRING, f"ERROR: Failed to get info: {exc.msg}")
            return (label, "\n".join(found), "OK" if found else "ERROR: no snapshot")
        try:
            info = json.loads(self.storage(repo).download(repo.info_path(label, timestamp)))
        except StorageFailure as exc:
            return (label, timestamp, NULL_STRING, NULL_STRING, f"Failed to get info: {exc.msg}")
        # BackupJobInfo.getBrief: toJson(false), which leaves the ids out.
        return (label, timestamp, info.get("database"), json.dumps(_without_ids(info), indent=1), "OK")


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k != "id"}
    return value


def check_repo_name(name: str) -> None:
    """RepositoryAnalyzer.checkRepoName: FeNameFormat.checkCommonName("repository", name)."""
    import re

    if not re.match(COMMON_NAME, name):
        # ErrorCode.ERR_WRONG_NAME_FORMAT "Incorrect %s name '%s'".
        raise analysis_error(f"Incorrect repository name '{name}'")


def _snapshot_where(ts: TokenStream) -> tuple[str | None, str | None, list[str]]:
    if not ts.accept_kw("WHERE"):
        ts.end()
        return None, None, []
    snapshot: str | None = None
    timestamp: str | None = None
    names: list[str] = []
    ok = True
    first = _where_term(ts)
    if first is None:
        raise analysis_error(_SNAPSHOT_WHERE_ERROR)
    terms = [first]
    if ts.accept_kw("AND"):
        second = _where_term(ts)
        if second is None or second[0] == "IN" or first[0] == "IN":
            ok = False
        else:
            terms.append(second)
    elif not (ts.tok.kind == "eof" or ts.at_sym(";")):
        ok = False
    ts.accept_sym(";")
    if ts.tok.kind != "eof":
        ok = False
    for key, value in terms:
        if key == "IN":
            names = [v for v in value if v]
        elif key == "SNAPSHOT" and value:
            snapshot = value
        elif key == "TIMESTAMP" and value:
            timestamp = value
        else:
            ok = False
    if not ok or (timestamp and not snapshot):
        raise analysis_error(_SNAPSHOT_WHERE_ERROR)
    return snapshot, timestamp, names


def _where_term(ts: TokenStream) -> tuple[str, Any] | None:
    """One ``column <op> 'value'`` or ``snapshot IN (...)`` term; None when it has another shape."""
    if ts.tok.kind not in ("ident", "qident"):
        return None
    column = ts.identifier().upper()
    if ts.accept_kw("IN"):
        if column != "SNAPSHOT":
            raise analysis_error("Left expr of should be snapshot")
        ts.expect_sym("(")
        values = []
        while True:
            if ts.tok.kind != "string":
                raise analysis_error("Child of in predicate should be string value")
            values.append(ts.string())
            if ts.accept_sym(")"):
                return "IN", values
            ts.expect_sym(",")
    for op in ("<=>", "!=", "<>", "<=", ">=", "=", "<", ">"):
        if ts.accept_sym(op):
            break
    else:
        return None
    if ts.tok.kind != "string":
        return None
    return column, ts.string()
