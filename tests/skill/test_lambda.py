"""The AWS Lambda entry point and the ASK CLI deployment files around it."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ask_sdk_core.exceptions import AskSdkException

from skill.config import ConfigurationError
from skill.envelope import EnvelopeError
from tests.skill.envelopes import SKILL_ID, Session, launch
from tests.skill.services import DUMMY_AWS, REPO, Dynalite

MODULE = "skill.lambda_function"
OTHER_SKILL = "amzn1.ask.skill.99999999-8888-7777-6666-555555555555"

LoadLambda = Callable[..., ModuleType]


@pytest.fixture
def load_lambda(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LoadLambda]:
    """Import the entry point afresh (a cold start) with these THERAPY_CHECKIN_* settings."""
    monkeypatch.setenv("THERAPY_CHECKIN_DATA_DIR", str(tmp_path))

    def load(**settings: str) -> ModuleType:
        for name, value in settings.items():
            monkeypatch.setenv(f"THERAPY_CHECKIN_{name}", value)
        sys.modules.pop(MODULE, None)
        return importlib.import_module(MODULE)

    yield load
    sys.modules.pop(MODULE, None)


def speech(response: dict[str, Any]) -> str:
    return str(response["response"]["outputSpeech"]["ssml"])


def test_the_handler_answers_a_launch_for_this_skill(load_lambda: LoadLambda) -> None:
    module = load_lambda(SKILL_ID=SKILL_ID, PERSISTENCE="sqlite")
    response = module.handler(launch(), None)
    assert response["version"] == "1.0"
    assert "Therapy Check-In" in speech(response)
    assert response["response"]["shouldEndSession"] is False
    json.dumps(response)  # what Lambda returns to Alexa must be plain JSON


def test_another_skills_request_is_refused(load_lambda: LoadLambda) -> None:
    module = load_lambda(SKILL_ID=SKILL_ID, PERSISTENCE="none")
    with pytest.raises(AskSdkException, match="Skill ID Verification failed"):
        module.handler(launch(skill_id=OTHER_SKILL), None)


def test_a_malformed_event_is_refused_before_any_handler(load_lambda: LoadLambda) -> None:
    module = load_lambda(SKILL_ID=SKILL_ID, PERSISTENCE="none")
    with pytest.raises(EnvelopeError):
        module.handler({"version": "1.0", "request": {"type": "Surprise"}}, None)


def test_the_skill_id_is_required(load_lambda: LoadLambda, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THERAPY_CHECKIN_SKILL_ID", raising=False)
    with pytest.raises(ConfigurationError, match="THERAPY_CHECKIN_SKILL_ID"):
        load_lambda(PERSISTENCE="none")


def test_on_lambda_progress_goes_to_dynamodb_when_configured(
    load_lambda: LoadLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in DUMMY_AWS.items():
        monkeypatch.setenv(name, value)
    database = Dynalite()
    try:
        module = load_lambda(
            SKILL_ID=SKILL_ID,
            PERSISTENCE="dynamodb",
            DYNAMODB_TABLE="therapy-checkin-progress",
            DYNAMODB_REGION="eu-west-1",
            DYNAMODB_ENDPOINT=database.endpoint,
            DYNAMODB_CREATE_TABLE="true",
        )
        first = Session()
        first.absorb(module.handler(first.intent("RehearseIntent", {"topic": "discharge"}), None))
        first.absorb(module.handler(first.intent("AMAZON.NextIntent"), None))
        later = Session()
        assert "step 2" in speech(module.handler(later.intent("RehearseIntent"), None))
    finally:
        database.stop()


# Deployment files.


def ask_resources() -> dict[str, Any]:
    return dict(json.loads((REPO / "ask-resources.json").read_text(encoding="utf-8")))


def test_ask_resources_points_at_the_skill_package_and_the_lambda_handler() -> None:
    profile = ask_resources()["profiles"]["default"]
    package = REPO / profile["skillMetadata"]["src"]
    assert (package / "skill.json").is_file()
    assert (package / "interactionModels" / "custom" / "en-GB.json").is_file()
    infrastructure = profile["skillInfrastructure"]
    assert infrastructure["type"] == "@ask-cli/lambda-deployer"
    assert infrastructure["userConfig"]["runtime"] == "python3.11"
    assert infrastructure["userConfig"]["handler"] == "skill.lambda_function.handler"
    assert profile["code"]["default"]["src"] == "./build/lambda"  # script/build-lambda's output


def test_the_built_lambda_folder_runs_on_its_own(tmp_path: Path) -> None:
    """What `ask deploy` zips: the handler imports from the folder, not from this checkout."""
    out = tmp_path / "lambda"
    subprocess.run([str(REPO / "script" / "build-lambda"), str(out)], check=True, timeout=60)
    handler = ask_resources()["profiles"]["default"]["skillInfrastructure"]["userConfig"]["handler"]
    module, function = handler.rsplit(".", 1)  # how the Lambda Python runtime reads it
    probe = (
        "import importlib, json, sys\n"
        f"module = importlib.import_module({module!r})\n"
        "assert module.__file__.startswith(sys.argv[1]), module.__file__\n"
        f"response = getattr(module, {function!r})(json.loads(sys.argv[2]), None)\n"
        "print(response['response']['outputSpeech']['ssml'])\n"
    )
    env = {"THERAPY_CHECKIN_SKILL_ID": SKILL_ID, "THERAPY_CHECKIN_PERSISTENCE": "none",
           "PATH": "/usr/bin:/bin"}  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-c", probe, str(out), json.dumps(launch())],
        cwd=out, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Therapy Check-In" in result.stdout
    requirements = (out / "requirements.txt").read_text(encoding="utf-8")
    assert "ask-sdk-core==1.19.0" in requirements and "vosk" not in requirements
