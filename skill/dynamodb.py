"""Rehearsal progress in DynamoDB, for deployments on several machines or on AWS Lambda.

ask-sdk's `DynamoDbAdapter` does the reads and writes. This module adds what it leaves out:

- settings checked at start-up, with errors that say what to set;
- our own boto3 resource with an explicit region and endpoint, and timeouts short enough for
  Alexa's 8-second limit (the adapter's default resource is built at import time and needs
  AWS_DEFAULT_REGION);
- a table that exists and is ACTIVE before the first request (the adapter's `create_table`
  does not wait for it);
- the progress allow-list on every write, so DynamoDB can never hold what a user said;
- whole numbers read back as int (boto3 returns every number as Decimal).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

import boto3
import boto3.session
from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from intents.progress_store import Progress, check_progress
from skill.config import ENV_PREFIX, ConfigurationError

log = logging.getLogger(__name__)

#: DynamoDbAdapter's defaults: the item is {"id": <Alexa user id>, "attributes": {...}}.
PARTITION_KEY: Final = "id"
#: Amazon's rule for table names.
_TABLE_NAME: Final = re.compile(r"[A-Za-z0-9_.-]{3,255}")
#: Alexa waits 8 s for an answer; an unreachable store must fail well inside that, so that the
#: user still hears one (see skill.handlers: progress is optional, answers are not).
CLIENT_CONFIG: Final = BotoConfig(
    connect_timeout=1, read_timeout=2, retries={"mode": "standard", "max_attempts": 2}
)
#: Polling for a new table to become ACTIVE: every second, for at most a minute.
TABLE_WAIT: Final = {"Delay": 1, "MaxAttempts": 60}

_TRUE: Final = ("true", "1", "yes", "on")
_FALSE: Final = ("false", "0", "no", "off", "")


@dataclass(frozen=True)
class DynamoDbSettings:
    """Where the progress table is, and whether start-up may create it."""

    table: str
    region: str
    endpoint: str | None = None
    create_table: bool = False

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> DynamoDbSettings:
        """Checked settings from the app config (ConfigurationError naming what to set)."""
        table = _text(config.get("DYNAMODB_TABLE"))
        if not table:
            raise ConfigurationError(
                f"{ENV_PREFIX}_PERSISTENCE=dynamodb needs {ENV_PREFIX}_DYNAMODB_TABLE, "
                "the name of the table that holds rehearsal progress"
            )
        if not _TABLE_NAME.fullmatch(table):
            raise ConfigurationError(
                f"{ENV_PREFIX}_DYNAMODB_TABLE must be 3 to 255 letters, digits, '_', '-' or '.'"
            )
        region = (
            _text(config.get("DYNAMODB_REGION"))
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
        )
        if not region:
            raise ConfigurationError(
                f"{ENV_PREFIX}_PERSISTENCE=dynamodb needs {ENV_PREFIX}_DYNAMODB_REGION "
                "(for example eu-west-2), the AWS region of the table"
            )
        endpoint = _text(config.get("DYNAMODB_ENDPOINT")) or None
        if endpoint is not None and not endpoint.startswith(("http://", "https://")):
            raise ConfigurationError(
                f"{ENV_PREFIX}_DYNAMODB_ENDPOINT must be an http:// or https:// URL"
            )
        create = _flag(config.get("DYNAMODB_CREATE_TABLE"), f"{ENV_PREFIX}_DYNAMODB_CREATE_TABLE")
        return cls(table=table, region=region, endpoint=endpoint, create_table=create)

    @property
    def where(self) -> str:
        """The table's place, for messages."""
        at = f" at {self.endpoint}" if self.endpoint else ""
        return f"DynamoDB table {self.table!r} in region {self.region}{at}"


def dynamodb_adapter(config: Mapping[str, Any]) -> ProgressDynamoDbAdapter:
    """The configured table, ready for requests (ConfigurationError if it cannot be)."""
    settings = DynamoDbSettings.from_config(config)
    resource = boto3.resource(
        "dynamodb",
        region_name=settings.region,
        endpoint_url=settings.endpoint,
        config=CLIENT_CONFIG,
    )
    ensure_table(resource.meta.client, settings)
    adapter_class = _adapter_class(settings.region)
    adapter = adapter_class(
        table_name=settings.table,
        partition_key_name=PARTITION_KEY,
        create_table=False,  # ensure_table did it, and waited
        dynamodb_resource=resource,
    )
    log.info("rehearsal progress is kept in the %s", settings.where)
    return ProgressDynamoDbAdapter(adapter)


def ensure_table(client: Any, settings: DynamoDbSettings) -> None:
    """Check the table exists with our key, creating it (and waiting) if allowed."""
    description = _describe(client, settings)
    if description is None:
        if not settings.create_table:
            raise ConfigurationError(
                f"the {settings.where} does not exist. Create it with partition key "
                f"{PARTITION_KEY!r} (type String), or set {ENV_PREFIX}_DYNAMODB_CREATE_TABLE=true "
                "to create it at start-up"
            )
        _create(client, settings)
    if description is None or description.get("TableStatus") != "ACTIVE":
        description = _wait_until_active(client, settings)
    key = [k.get("AttributeName") for k in description.get("KeySchema", [])]
    if key != [PARTITION_KEY]:
        raise ConfigurationError(
            f"the {settings.where} has key {key}, but progress needs a table whose only key "
            f"is the partition key {PARTITION_KEY!r} (type String)"
        )


class ProgressDynamoDbAdapter(AbstractPersistenceAdapter):
    """ask-sdk's DynamoDbAdapter, holding allow-listed progress fields only."""

    def __init__(self, adapter: AbstractPersistenceAdapter) -> None:
        self.adapter = adapter

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        """The user's saved progress ({} for a new user), numbers as int."""
        return progress_from_item(self.adapter.get_attributes(request_envelope))

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the user's progress; anything but progress fields is refused, unsent."""
        try:
            progress = check_progress(attributes)
        except ValueError as error:
            raise PersistenceException(str(error)) from error
        self.adapter.save_attributes(request_envelope, progress)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user's progress."""
        self.adapter.delete_attributes(request_envelope)


def progress_from_item(stored: Any) -> Progress:
    """Stored attributes as progress: Decimal whole numbers back to int, unknown fields dropped.

    A field outside the allow-list (an item written by another version, or by hand) is
    dropped rather than returned, as the SQLite store does.
    """
    if not isinstance(stored, Mapping):
        return {}
    progress: Progress = {}
    for name, value in stored.items():
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral():
            value = int(value)
        try:
            progress.update(check_progress({name: value}))
        except ValueError:
            log.warning("dropped a stored field that is not rehearsal progress")
    return progress


def _describe(client: Any, settings: DynamoDbSettings) -> dict[str, Any] | None:
    """The table's description, or None if it does not exist."""
    try:
        return dict(client.describe_table(TableName=settings.table)["Table"])
    except ClientError as error:
        if _code(error) == "ResourceNotFoundException":
            return None
        raise _unreachable(settings, error) from error
    except BotoCoreError as error:
        raise _unreachable(settings, error) from error


def _create(client: Any, settings: DynamoDbSettings) -> None:
    log.warning("creating the %s", settings.where)
    try:
        client.create_table(
            TableName=settings.table,
            KeySchema=[{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    except ClientError as error:
        if _code(error) != "ResourceInUseException":  # another process created it first
            raise _unreachable(settings, error) from error
    except BotoCoreError as error:
        raise _unreachable(settings, error) from error


def _wait_until_active(client: Any, settings: DynamoDbSettings) -> dict[str, Any]:
    try:
        client.get_waiter("table_exists").wait(TableName=settings.table, WaiterConfig=TABLE_WAIT)
    except WaiterError as error:
        seconds = TABLE_WAIT["Delay"] * TABLE_WAIT["MaxAttempts"]
        raise ConfigurationError(
            f"the {settings.where} did not become ACTIVE within {seconds} s ({error})"
        ) from error
    description = _describe(client, settings)
    if description is None:
        raise ConfigurationError(f"the {settings.where} disappeared while starting up")
    return description


def _adapter_class(region: str) -> Any:
    """ask_sdk_dynamodb.adapter, imported safely.

    Its constructor's default argument is ``boto3.resource("dynamodb")``, evaluated at import:
    without AWS_DEFAULT_REGION that raises NoRegionError. Import it under a default session
    that knows the region; the resource it builds is never used (we pass our own).
    """
    previous = boto3.DEFAULT_SESSION
    boto3.DEFAULT_SESSION = boto3.session.Session(region_name=region)
    try:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    finally:
        boto3.DEFAULT_SESSION = previous
    return DynamoDbAdapter


def _unreachable(settings: DynamoDbSettings, error: Exception) -> ConfigurationError:
    return ConfigurationError(
        f"cannot use the {settings.where}: {error}. Check the region, the endpoint, the AWS "
        "credentials and that they allow dynamodb:DescribeTable, GetItem, PutItem and DeleteItem"
    )


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _text(value: Any) -> str:
    """A setting as text; Flask parses env values as JSON, so 123 arrives as an int."""
    return "" if value is None else str(value).strip()


def _flag(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be true or false")
