"""
The AWS side of the local stack: moto in server mode with IAM enforced, and StarRocks' credential resolution.

The emulated StarRocks cluster runs "in AWS": requests without ``aws.s3.endpoint`` go to moto, and its instance
profile is the role :data:`INSTANCE_ROLE`. Credentials are resolved as the FE does it (see
:mod:`airflow_provider_starrocks.testing.aws_credentials`); failures raise :class:`StorageAccessError`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import urllib.request
from typing import TYPE_CHECKING, Any

from airflow_provider_starrocks.testing import s3_glob
from airflow_provider_starrocks.testing.aws_credentials import (
    AwsCredentialProperties,
    Credentials,
    ensure_scheme,
    resolve_credentials,
)
from airflow_provider_starrocks.testing.aws_errors import StorageAccessError, call_aws
from airflow_provider_starrocks.testing.aws_identities import (
    ACCOUNT_ID,
    AIRFLOW_ROLE,
    BUCKET,
    EXTERNAL_ID,
    EXTERNAL_ID_ROLE,
    GLUE_ASSUMED_ROLE,
    GLUE_DATABASE,
    GLUE_TABLE,
    INSTANCE_ROLE,
    INSTANCE_SESSION_NAME,
    REGION,
    ROLES,
    S3_ASSUMED_ROLE,
    S3_WRITE_ROLE,
    UNLOAD_PREFIX,
    UNTRUSTED_ROLE,
    USER_ADMIN,
    USER_INSTANCE_METADATA,
    USER_LOADER,
    USER_NO_POLICY,
    USER_WRITER,
    bootstrap,
    role_arn,
)
from airflow_provider_starrocks.testing.sample_data import sample_objects

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "ACCOUNT_ID",
    "AIRFLOW_ROLE",
    "BUCKET",
    "EXTERNAL_ID",
    "EXTERNAL_ID_ROLE",
    "GLUE_ASSUMED_ROLE",
    "GLUE_DATABASE",
    "GLUE_TABLE",
    "INSTANCE_ROLE",
    "REGION",
    "S3_ASSUMED_ROLE",
    "S3_WRITE_ROLE",
    "UNLOAD_PREFIX",
    "UNTRUSTED_ROLE",
    "USER_LOADER",
    "USER_NO_POLICY",
    "USER_WRITER",
    "AwsEmulator",
    "call_aws",
    "StorageAccessError",
    "role_arn",
]

#: ``CloudConfigurationConstants.DEFAULT_AWS_REGION``
DEFAULT_AWS_REGION = "us-east-1"
_WEB_IDENTITY_MISSING = "Either the environment variable AWS_WEB_IDENTITY_TOKEN_FILE or the javaproperty aws.webIdentityTokenFile must be set."
_Creds = tuple[str, str, str] | None
# moto keeps its backends and its auth switch in module globals: two servers in one process would share them.
_running: list[AwsEmulator] = []  # (access key, secret, session token) or None for unsigned requests


class AwsEmulator:
    """
    moto in server mode on 127.0.0.1 (ephemeral port) with IAM enforced and the stack's identities bootstrapped.

    :param objects: bucket content (default: the sample data).
    """

    def __init__(self, objects: dict[str, bytes] | None = None) -> None:
        self._initial_objects = sample_objects() if objects is None else objects
        # S3 ETags of single-part uploads are the content's MD5.
        self._initial_etags = {
            key: f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
            for key, body in self._initial_objects.items()
        }
        self._server: Any = None
        self._lock = threading.Lock()
        self._session: Any = None
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._resolved: dict[tuple[AwsCredentialProperties, bool], Credentials | None] = {}
        self.endpoint = ""
        #: user name -> (access key id, secret access key), including the stack's internal users
        self.users: dict[str, tuple[str, str]] = {}
        #: role name -> ARN
        self.role_arns: dict[str, str] = {name: role_arn(name) for name in ROLES}
        self.instance_credentials: tuple[str, str, str] | None = None

    @classmethod
    def attach(
        cls, endpoint: str, users: dict[str, tuple[str, str]], instance_credentials: tuple[str, ...] | None
    ) -> AwsEmulator:
        """
        Return an emulator bound to a moto server another process bootstrapped (``serve``).

        :param endpoint: moto's URL.
        :param users: user name -> (access key id, secret access key).
        :param instance_credentials: the instance role's (access key, secret, session token).
        """
        emulator = cls()
        emulator.endpoint = endpoint
        emulator.users = dict(users)
        if instance_credentials is not None:
            key, secret, token = instance_credentials
            emulator.instance_credentials = (key, secret, token)
        return emulator

    def env(self) -> dict[str, str]:
        """Return the variables that send Airflow-side boto3 to moto (endpoint, region, no instance metadata)."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": REGION,
            # Without credentials boto3 would otherwise probe the EC2 metadata service and wait for it.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    # -- lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        """Start moto, bootstrap the account with authentication off, then enforce IAM."""
        from moto.server import ThreadedMotoServer

        if _running:
            raise RuntimeError(
                "An AwsEmulator is already running in this process and moto's state is per process: share it "
                "(StarRocksStack(aws=...), the starrocks_aws fixture) instead of starting a second one."
            )

        # werkzeug reports every rejected request (e.g. TLS spoken to the plain-HTTP port) on stderr.
        logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        _running.append(self)
        # A previous emulator of this process may have left users behind.
        self._post("/moto-api/reset", b"")
        self._bootstrap()

    def stop(self) -> None:
        """Stop moto and drop the cached clients."""
        if self._server is not None:
            self._set_auth(enforced=False)
            self._server.stop()
            self._server = None
            _running.remove(self)
        self._clients.clear()
        self._resolved.clear()

    def reset(self, *, full: bool = False) -> None:
        """
        Return to the initial state: bucket content restored, caches dropped, instance credentials refreshed.

        Tests only change bucket objects, so the quick reset restores those; ``full=True`` wipes moto and
        re-bootstraps everything (new access keys).

        :param full: wipe and re-bootstrap the whole account.
        """
        self._clients.clear()
        self._resolved.clear()
        if full:
            self._set_auth(enforced=False)
            self._post("/moto-api/reset", b"")
            self._bootstrap()
            return
        from botocore.exceptions import ClientError

        self._set_auth(enforced=True)
        try:
            self._restore_objects()
        except ClientError:
            # Someone wiped moto (e.g. a mock_aws test in this process): start over.
            self.reset(full=True)
            return
        self.instance_credentials = self._assume_instance_role()

    def _restore_objects(self) -> None:
        s3 = self._client("s3", self.users[USER_ADMIN] + ("",))
        current: dict[str, str] = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            current.update({item["Key"]: item["ETag"] for item in page.get("Contents", [])})
        extra = [{"Key": key} for key in current if key not in self._initial_etags]
        if extra:
            s3.delete_objects(Bucket=BUCKET, Delete={"Objects": extra, "Quiet": True})
        for key, etag in self._initial_etags.items():
            if current.get(key) != etag:
                s3.put_object(Bucket=BUCKET, Key=key, Body=self._initial_objects[key])

    def _bootstrap(self) -> None:
        self._set_auth(enforced=False)
        self.users = bootstrap(
            lambda service: self._client(service, ("bootstrap", "bootstrap", "")), self._initial_objects
        )
        self._clients.clear()
        self._resolved.clear()
        self._set_auth(enforced=True)
        self.instance_credentials = self._assume_instance_role()

    def _assume_instance_role(self) -> tuple[str, str, str]:
        sts = self._client("sts", self.users[USER_INSTANCE_METADATA] + ("",))
        creds = sts.assume_role(RoleArn=role_arn(INSTANCE_ROLE), RoleSessionName=INSTANCE_SESSION_NAME)[
            "Credentials"
        ]
        return creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]

    def _set_auth(self, *, enforced: bool) -> None:
        # moto counts "free" requests before enforcing: 0 enforces now, inf never (pitfalls.md).
        self._post("/moto-api/reset-auth", b"0" if enforced else b"inf")

    def _post(self, path: str, body: bytes) -> None:
        # A form content type would make moto read an empty body.
        request = urllib.request.Request(
            self.endpoint + path, data=body, method="POST", headers={"Content-Type": "text/plain"}
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()

    # -- clients -------------------------------------------------------------------------------------------
    def _client(
        self,
        service: str,
        creds: _Creds,
        *,
        endpoint: str | None = None,
        region: str = REGION,
        path_style: bool = True,
    ) -> Any:
        key = (service, creds, endpoint, region, path_style)
        client = self._clients.get(key)
        if client is not None:
            return client
        import boto3
        from botocore import UNSIGNED
        from botocore.config import Config

        with self._lock:
            if self._session is None:
                self._session = boto3.session.Session()
            config = Config(
                retries={"max_attempts": 1, "mode": "standard"},
                s3={"addressing_style": "path" if path_style else "virtual"},
                signature_version=UNSIGNED if creds is None else None,
                connect_timeout=5,
                read_timeout=30,
            )
            access, secret, token = creds or (None, None, None)
            client = self._session.client(
                service,
                endpoint_url=endpoint or self.endpoint,
                region_name=region,
                aws_access_key_id=access,
                aws_secret_access_key=secret,
                aws_session_token=token or None,
                config=config,
            )
            self._clients[key] = client
        return client

    def _credentials(self, props: AwsCredentialProperties, *, hadoop_s3a: bool) -> Credentials | None:
        # StarRocks's StsAssumeRoleCredentialsProvider keeps assumed credentials until they expire: cache them.
        key = (props, hadoop_s3a)
        if key not in self._resolved:
            self._resolved[key] = resolve_credentials(
                props, self.instance_credentials, self._sts_client, hadoop_s3a=hadoop_s3a
            )
        return self._resolved[key]

    def _sts_client(self, creds: Credentials, endpoint: str | None, region: str) -> Any:
        return self._client("sts", creds, endpoint=endpoint, region=region or REGION)

    def s3_client(self, props: Mapping[str, str], prefix: str = "aws.s3") -> Any:
        """
        Return a boto3 S3 client with the credentials StarRocks would resolve from ``props``.

        :param props: statement properties.
        :param prefix: property prefix.
        :raises StorageAccessError: when the credentials cannot be obtained (AssumeRole refused...).
        """
        parsed = AwsCredentialProperties.from_properties(props, prefix)
        creds = self._credentials(parsed, hadoop_s3a=True)
        if creds is None:
            # moto fails unsigned requests with a 500; AWS denies anonymous access to a private bucket.
            raise StorageAccessError("Access Denied", code="AccessDenied")
        if parsed.endpoint:
            return self._client(
                "s3",
                creds,
                endpoint=ensure_scheme(parsed.endpoint, ssl=parsed.enable_ssl),
                region=parsed.region or DEFAULT_AWS_REGION,
                path_style=parsed.enable_path_style_access,
            )
        return self._client("s3", creds, region=parsed.region or DEFAULT_AWS_REGION)

    def glue_client(self, props: Mapping[str, str], prefix: str = "aws.glue") -> Any:
        """
        Return a boto3 Glue client with the credentials StarRocks would resolve from ``props``.

        :param props: catalog properties.
        :param prefix: property prefix.
        :raises StorageAccessError: when the credentials cannot be obtained.
        """
        parsed = AwsCredentialProperties.from_properties(props, prefix)
        creds = self._credentials(parsed, hadoop_s3a=False)
        if creds is None:
            raise StorageAccessError(
                "Missing Authentication Token", code="MissingAuthenticationTokenException"
            )
        endpoint = ensure_scheme(parsed.endpoint, ssl=parsed.enable_ssl) if parsed.endpoint else None
        return self._client("glue", creds, endpoint=endpoint, region=parsed.region or DEFAULT_AWS_REGION)

    # -- object access -------------------------------------------------------------------------------------
    def list_objects(self, props: Mapping[str, str], uri_glob: str) -> list[tuple[str, int]]:
        """
        Expand an ``s3://`` / ``s3a://`` path with glob wildcards into ``[(key, size)]``, sorted by key.

        A path ending in ``/`` lists every object below it; a path without wildcards matches itself only.

        :param props: statement properties (``aws.s3.*``).
        :param uri_glob: the path, e.g. ``s3://starrocks-test/daily/2024-01-0[12]/*.parquet``.
        :raises StorageAccessError: on an AWS error.
        :raises ValueError: on a malformed path or glob.
        """
        bucket, pattern = s3_glob.split_uri(uri_glob)
        prefix = s3_glob.literal_prefix(pattern)
        regex = None if pattern.endswith("/") and prefix == pattern else s3_glob.glob_to_regex(pattern)
        client = self.s3_client(props)
        found: list[tuple[str, int]] = []
        token: str | None = None
        while True:
            kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = call_aws(client.list_objects_v2, **kwargs)
            for item in page.get("Contents", []):
                key = item["Key"]
                if key.endswith("/"):
                    continue
                if regex is None or regex.match(key):
                    found.append((key, int(item["Size"])))
            token = page.get("NextContinuationToken")
            if not token:
                return sorted(found)

    def list_object_versions(
        self, props: Mapping[str, str], uri_glob: str
    ) -> list[tuple[str, int, str, Any]]:
        """
        Like :meth:`list_objects`, with each object's ETag (unquoted) and LastModified: ``[(key, size, etag, time)]``.

        :param props: statement properties (``aws.s3.*``).
        :param uri_glob: the path (comma-separated paths are listed one after the other).
        :raises StorageAccessError: on an AWS error.
        :raises ValueError: on a malformed path or glob.
        """
        found: list[tuple[str, int, str, Any]] = []
        for piece in [p.strip() for p in uri_glob.split(",") if p.strip()]:
            bucket, pattern = s3_glob.split_uri(piece)
            prefix = s3_glob.literal_prefix(pattern)
            regex = None if pattern.endswith("/") and prefix == pattern else s3_glob.glob_to_regex(pattern)
            client = self.s3_client(props)
            token: str | None = None
            while True:
                kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": prefix}
                if token:
                    kwargs["ContinuationToken"] = token
                page = call_aws(client.list_objects_v2, **kwargs)
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if not key.endswith("/") and (regex is None or regex.match(key)):
                        modified = item["LastModified"].astimezone().replace(tzinfo=None, microsecond=0)
                        found.append((key, int(item["Size"]), str(item["ETag"]).strip('"'), modified))
                token = page.get("NextContinuationToken")
                if not token:
                    break
        return sorted(found)

    def read_object(self, props: Mapping[str, str], uri: str) -> bytes:
        """
        Read one object with the credentials StarRocks would resolve from ``props``.

        :param props: statement properties (``aws.s3.*``).
        :param uri: ``s3://bucket/key`` or ``s3a://bucket/key``.
        :raises StorageAccessError: on an AWS error (``NoSuchKey``, ``AccessDenied``...).
        """
        bucket, key = s3_glob.split_uri(uri)
        body = call_aws(self.s3_client(props).get_object, Bucket=bucket, Key=key)["Body"]
        with body:
            return bytes(body.read())

    def write_object(self, props: Mapping[str, str], uri: str, body: bytes) -> None:
        """
        Write one object with the credentials StarRocks would resolve from ``props`` (a single-part PutObject).

        :param props: statement properties (``aws.s3.*``).
        :param uri: ``s3://bucket/key`` or ``s3a://bucket/key``.
        :param body: the content.
        :raises StorageAccessError: on an AWS error (``AccessDenied``...).
        """
        bucket, key = s3_glob.split_uri(uri)
        call_aws(self.s3_client(props).put_object, Bucket=bucket, Key=key, Body=body)

    def delete_object(self, props: Mapping[str, str], uri: str) -> None:
        """
        Delete one object with the credentials StarRocks would resolve from ``props``.

        :param props: statement properties (``aws.s3.*``).
        :param uri: ``s3://bucket/key``.
        :raises StorageAccessError: on an AWS error.
        """
        bucket, key = s3_glob.split_uri(uri)
        call_aws(self.s3_client(props).delete_object, Bucket=bucket, Key=key)
