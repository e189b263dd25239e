"""Progress in DynamoDB for several machines, tested against a real DynamoDB-compatible server.

dynalite (npm, installed by script/install-test-services) stands in for DynamoDB; two separate
gunicorn servers share it, as two machines would, and then lose it mid-conversation.
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import boto3
import pytest
import requests
from ask_sdk_core.exceptions import PersistenceException

from intents.content import content_for
from intents.rehearsal import scripts
from skill.app import create_app
from skill.config import ConfigurationError
from skill.dynamodb import DynamoDbSettings, ProgressDynamoDbAdapter, dynamodb_adapter
from skill.stores import persistence_adapter
from tests.skill.envelopes import USER_ID, Session, deserialize, launch
from tests.skill.services import DUMMY_AWS, Dynalite, aws_environment, skill_server

TABLE = "therapy-checkin-progress"
REGION = "eu-west-2"
PROGRESS = {"script": "discharge", "step": 2, "rate": 110, "finished": False}
NOTICE = content_for("en-GB").prompts["progress_unavailable"][0]


def settings(endpoint: str | None = None, **changes: Any) -> dict[str, Any]:
    """App config choosing DynamoDB, as THERAPY_CHECKIN_* variables would set it."""
    config: dict[str, Any] = {
        "PERSISTENCE": "dynamodb",
        "DYNAMODB_TABLE": TABLE,
        "DYNAMODB_REGION": REGION,
        "DYNAMODB_ENDPOINT": endpoint,
        "DYNAMODB_CREATE_TABLE": True,
    }
    return {**config, **changes}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials for boto3, and no AWS region from the machine."""
    for name, value in DUMMY_AWS.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def dynalite(aws: None) -> Iterator[Dynalite]:
    server = Dynalite()
    try:
        yield server
    finally:
        server.stop()


def raw_table(endpoint: str) -> Any:
    return boto3.resource("dynamodb", region_name=REGION, endpoint_url=endpoint).Table(TABLE)


def speech(response: Mapping[str, Any]) -> str:
    """The spoken text, SSML entities decoded."""
    return html.unescape(str(response["response"]["outputSpeech"]["ssml"]))


# Configuration errors: found at start-up, each naming what to set.


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"DYNAMODB_TABLE": None}, "THERAPY_CHECKIN_DYNAMODB_TABLE"),
        ({"DYNAMODB_TABLE": ""}, "THERAPY_CHECKIN_DYNAMODB_TABLE"),
        ({"DYNAMODB_TABLE": "a b"}, "THERAPY_CHECKIN_DYNAMODB_TABLE must be"),
        ({"DYNAMODB_REGION": None}, "THERAPY_CHECKIN_DYNAMODB_REGION"),
        ({"DYNAMODB_ENDPOINT": "localhost:8000"}, "THERAPY_CHECKIN_DYNAMODB_ENDPOINT"),
        ({"DYNAMODB_CREATE_TABLE": "maybe"}, "THERAPY_CHECKIN_DYNAMODB_CREATE_TABLE"),
    ],
)
def test_dynamodb_settings_that_cannot_work_stop_start_up(
    aws: None, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app({"VERIFY": False, **settings(**changes)})


def test_an_unknown_persistence_kind_names_the_choices() -> None:
    with pytest.raises(ConfigurationError, match=r"'sqlite', 'dynamodb', 'none', not 'redis'"):
        create_app({"VERIFY": False, "PERSISTENCE": "redis"})


def test_settings_read_as_flask_parses_environment_values(aws: None) -> None:
    parsed = DynamoDbSettings.from_config(settings(DYNAMODB_CREATE_TABLE="false"))
    assert parsed == DynamoDbSettings(table=TABLE, region=REGION, create_table=False)
    assert DynamoDbSettings.from_config(settings(DYNAMODB_CREATE_TABLE=1)).create_table


def test_the_region_may_come_from_the_lambda_runtime(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # Lambda always sets it
    assert DynamoDbSettings.from_config(settings(DYNAMODB_REGION=None)).region == "eu-west-1"


def test_environment_variables_choose_dynamodb(
    dynalite: Dynalite, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {
        "PERSISTENCE": "dynamodb",
        "DYNAMODB_TABLE": TABLE,
        "DYNAMODB_REGION": REGION,
        "DYNAMODB_ENDPOINT": dynalite.endpoint,
        "DYNAMODB_CREATE_TABLE": "true",
    }.items():
        monkeypatch.setenv(f"THERAPY_CHECKIN_{name}", value)
    from skill.config import environment_config

    assert isinstance(persistence_adapter(environment_config()), ProgressDynamoDbAdapter)


# The table: required to exist, or created and waited for.


def test_a_missing_table_without_create_names_the_table_and_region(dynalite: Dynalite) -> None:
    with pytest.raises(ConfigurationError) as caught:
        dynamodb_adapter(settings(dynalite.endpoint, DYNAMODB_CREATE_TABLE=False))
    message = str(caught.value)
    assert TABLE in message and REGION in message and "does not exist" in message
    assert "THERAPY_CHECKIN_DYNAMODB_CREATE_TABLE=true" in message


def test_create_waits_until_the_table_is_active(aws: None) -> None:
    slow = Dynalite(create_table_ms=1500)  # like real DynamoDB, creation takes a while
    try:
        adapter = dynamodb_adapter(settings(slow.endpoint))
        # Without the wait, the first write would fail with ResourceNotFoundException.
        adapter.save_attributes(deserialize(launch()), PROGRESS)
        assert adapter.get_attributes(deserialize(launch())) == PROGRESS
    finally:
        slow.stop()


def test_an_existing_table_is_used_and_a_second_start_does_not_fail(dynalite: Dynalite) -> None:
    dynamodb_adapter(settings(dynalite.endpoint))
    adapter = dynamodb_adapter(settings(dynalite.endpoint, DYNAMODB_CREATE_TABLE=False))
    assert adapter.get_attributes(deserialize(launch())) == {}


def test_a_table_with_another_key_is_refused(dynalite: Dynalite) -> None:
    client = boto3.client("dynamodb", region_name=REGION, endpoint_url=dynalite.endpoint)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "userId", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "userId", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    with pytest.raises(ConfigurationError, match="partition key 'id'"):
        dynamodb_adapter(settings(dynalite.endpoint, DYNAMODB_CREATE_TABLE=False))


def test_an_unreachable_endpoint_is_a_clear_start_up_error(aws: None) -> None:
    gone = Dynalite()
    gone.stop()
    with pytest.raises(ConfigurationError, match="cannot use the DynamoDB table"):
        dynamodb_adapter(settings(gone.endpoint))


# What is stored: progress fields only, numbers back as int.


def test_progress_round_trips_with_ints_as_ints(dynalite: Dynalite) -> None:
    adapter = dynamodb_adapter(settings(dynalite.endpoint))
    adapter.save_attributes(deserialize(launch()), PROGRESS)
    loaded = adapter.get_attributes(deserialize(launch()))
    assert loaded == PROGRESS
    assert {name: type(value) for name, value in loaded.items()} == {
        "script": str, "step": int, "rate": int, "finished": bool,
    }  # fmt: skip
    item = raw_table(dynalite.endpoint).get_item(Key={"id": USER_ID})["Item"]
    assert item["attributes"]["step"] == Decimal(2)  # how DynamoDB holds it


@pytest.mark.parametrize(
    "attributes",
    [
        {"letter": "Dear Sam, the homework scares me"},  # user text: never stored
        {"script": "discharge", "note": "anything"},
        {"step": 1.5},  # a float never reaches boto3 (it would fail there)
        {"step": "2"},
    ],
)
def test_anything_but_progress_is_refused_before_it_is_sent(
    dynalite: Dynalite, attributes: dict[str, Any]
) -> None:
    adapter = dynamodb_adapter(settings(dynalite.endpoint))
    with pytest.raises(PersistenceException):
        adapter.save_attributes(deserialize(launch()), attributes)
    assert "Item" not in raw_table(dynalite.endpoint).get_item(Key={"id": USER_ID})


def test_stored_fields_that_are_not_progress_are_dropped_on_load(dynalite: Dynalite) -> None:
    adapter = dynamodb_adapter(settings(dynalite.endpoint))
    raw_table(dynalite.endpoint).put_item(
        Item={"id": USER_ID, "attributes": {"step": Decimal(3), "letter": "private", "rate": 7}}
    )
    assert adapter.get_attributes(deserialize(launch())) == {"step": 3}


# Two machines, one table, then an outage.


def test_two_servers_share_progress_and_a_lost_database_is_told_kindly(
    dynalite: Dynalite,
) -> None:
    env = aws_environment()
    env.update(
        THERAPY_CHECKIN_PERSISTENCE="dynamodb",
        THERAPY_CHECKIN_DYNAMODB_TABLE=TABLE,
        THERAPY_CHECKIN_DYNAMODB_REGION=REGION,
        THERAPY_CHECKIN_DYNAMODB_ENDPOINT=dynalite.endpoint,
    )
    script = scripts()["discharge"]

    def post(base: str, session: Session, envelope: Mapping[str, Any]) -> dict[str, Any]:
        started = time.monotonic()
        response = requests.post(f"{base}/alexa", json=envelope, timeout=10)
        assert response.status_code == 200, response.text
        assert time.monotonic() - started < 5  # well inside Alexa's 8 s, outage or not
        return dict(session.absorb(response.json()))

    create = {"THERAPY_CHECKIN_DYNAMODB_CREATE_TABLE": "true"}
    existing = {"THERAPY_CHECKIN_DYNAMODB_CREATE_TABLE": "false"}
    with skill_server({**env, **create}) as one, skill_server({**env, **existing}) as other:
        first = Session()
        post(one, first, first.intent("RehearseIntent", {"topic": "discharge"}))
        post(one, first, first.intent("AMAZON.NextIntent"))
        post(one, first, first.intent("AMAZON.StopIntent"))

        later = Session()  # a new conversation, served by the other machine
        offer = post(other, later, later.intent("RehearseIntent"))
        assert "step 2" in speech(offer)
        resumed = post(other, later, later.intent("AMAZON.YesIntent"))
        assert script.steps[1].line in speech(resumed)
        assert NOTICE not in speech(resumed)

        dynalite.stop()
        step = post(other, later, later.intent("AMAZON.NextIntent"))
        assert speech(step).count(NOTICE) == 1  # said, not silence
        assert script.steps[2].line in speech(step)  # and the rehearsal goes on
        answer = post(other, later, later.intent("TherapyNotWorkingIntent"))
        expected = content_for("en-GB").answers["TherapyNotWorkingIntent"].short.speech[0]
        assert expected in speech(answer)
        assert answer["response"]["shouldEndSession"] is False

        fresh = Session()  # a new conversation cannot load progress either: still answered
        greeting = speech(post(one, fresh, fresh.launch()))
        assert NOTICE in greeting and "Therapy Check-In" in greeting
        assert greeting.index(NOTICE) < greeting.index("Therapy Check-In")
