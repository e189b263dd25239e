"""Real Alexa request envelopes written by another project, posted to the endpoint as they are.

The fixtures (../shared/alexa-fixtures, see its README.md) carry 2015 timestamps, so
verification is off and the application-id check is configured for their id. Requests the
skill serves are answered 200, even for intents it has never heard of; everything else is a
clean 400. Nothing may raise or answer 500. The real Amazon certificate chain in the same
folder is exercised by test_verification.py.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from intents.content import content_for
from skill.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "alexa-fixtures"
FIXTURE_SKILL_ID = "amzn1.echo-sdk-ams.app.000000-d0ed-0000-ad00-000000d00ebe"

pytestmark = pytest.mark.skipif(
    not FIXTURES.is_dir(),
    reason=f"Alexa fixtures missing: expected {FIXTURES} (shared/ beside the repo)",
)

#: Intent requests whose intent is not ours: answered as FallbackIntent.
FOREIGN_INTENTS = (
    "intent_request_airport_info.json",
    "intent_request_airport_info_resolutions.json",
    "intent_request_airport_info_resolutions_not_found.json",
    "intent_request_airport_info_with_attributes.json",
    "intent_request_food_delivery_dialog_started.json",
    "intent_request_food_delivery_dialog_in_progress.json",
    "intent_request_food_delivery_dialog_completed.json",
    "intent_request_food_delivery_dialog_undefined.json",
    "intent_audioplayer.json",
)
ANSWERED = ("intent_request_launch.json", "session_ended_request.json", *FOREIGN_INTENTS)
REFUSED = (
    "intent_request_malformed_session.json",  # session.user.userId is null
    "unknown_type_request.json",
    "intent_request_on.json",  # GameEngine.InputHandlerEvent
    "audio_player_event_request.json",
    "audio_player_events__playback_failed.json",
    "audio_player_events__playback_finished.json",
    "audio_player_events__playback_nearly_finished.json",
    "audio_player_events__playback_started.json",
    "audio_player_events__playback_stopped.json",
    "playback_controller_play_command.json",
    "display_element_selected_request.json",
)


@pytest.fixture
def client(handled: list[str]) -> FlaskClient:
    return create_app({"VERIFY": False, "SKILL_ID": FIXTURE_SKILL_ID}).test_client()


def post_fixture(client: FlaskClient, name: str) -> Any:
    body = (FIXTURES / name).read_bytes()
    return client.post("/alexa", data=body, content_type="application/json")


def spoken(response: Any) -> str:
    ssml = response.get_json()["response"]["outputSpeech"]["ssml"]
    return "".join(ET.fromstring(ssml).itertext())


def test_every_fixture_is_classified() -> None:
    """A new fixture file must be added to ANSWERED or REFUSED here."""
    assert {path.name for path in FIXTURES.glob("*.json")} == {*ANSWERED, *REFUSED}


@pytest.mark.parametrize("name", ANSWERED)
def test_requests_the_skill_serves_are_answered(client: FlaskClient, name: str) -> None:
    response = post_fixture(client, name)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["version"] == "1.0"


def test_launch_fixture_gets_the_greeting(client: FlaskClient) -> None:
    response = post_fixture(client, "intent_request_launch.json")
    assert spoken(response).startswith(content_for("en-GB").prompts["launch"][0])


@pytest.mark.parametrize("name", FOREIGN_INTENTS)
def test_foreign_intent_is_answered_as_fallback(
    client: FlaskClient, handled: list[str], name: str
) -> None:
    response = post_fixture(client, name)
    assert handled == ["FallbackIntent"]
    assert spoken(response) == "".join(content_for("en-GB").prompts["fallback"])
    assert response.get_json()["response"]["shouldEndSession"] is False


def test_session_ended_fixture_gets_an_empty_response(
    client: FlaskClient, handled: list[str]
) -> None:
    response = post_fixture(client, "session_ended_request.json")
    assert response.status_code == 200
    assert "outputSpeech" not in response.get_json()["response"]
    assert handled == []


@pytest.mark.parametrize("name", REFUSED)
def test_requests_the_skill_does_not_serve_are_refused(
    client: FlaskClient, handled: list[str], name: str
) -> None:
    response = post_fixture(client, name)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["error"]
    assert handled == []


@pytest.mark.parametrize("name", [*ANSWERED, *REFUSED])
def test_fixtures_for_another_skill_id_are_all_refused(handled: list[str], name: str) -> None:
    other = create_app({"VERIFY": False, "SKILL_ID": "amzn1.ask.skill.other"}).test_client()
    response = post_fixture(other, name)
    assert response.status_code == 400
    assert handled == []
