"""WSGI factories for the load benchmark: this skill and a hello-world skill, served alike.

Both sit behind the same Flask endpoint with verification ON, trusting a throwaway root that
the benchmark made (LOAD_ROOT_PEM) and fetching the chain from its loopback server
(LOAD_CERT_ORIGIN). Benchmark-only: production's create_app() always trusts certifi's roots.
"""

from __future__ import annotations

import os
from pathlib import Path

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard
from cryptography import x509
from flask import Flask

from skill.app import create_app
from skill.verification import RequestVerifier, VerifierSettings
from tests.skill.forged_server import loopback_fetch


class HelloWorldHandler(AbstractRequestHandler):
    """The canonical ask-sdk-core sample: answer everything with a greeting and a card."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        speech = "Hello Python World from Classes!"
        builder = handler_input.response_builder.speak(speech)
        return builder.set_card(SimpleCard("Hello World", speech)).response


def hello_skill() -> CustomSkill:
    builder = CustomSkillBuilder()
    builder.add_request_handler(HelloWorldHandler())
    return builder.create()


def _app(skill: CustomSkill | None) -> Flask:
    skill_id = os.environ["LOAD_SKILL_ID"]
    root = x509.load_pem_x509_certificate(Path(os.environ["LOAD_ROOT_PEM"]).read_bytes())
    origin = os.environ["LOAD_CERT_ORIGIN"]
    verifier = RequestVerifier(
        VerifierSettings(skill_id=skill_id),
        trust_roots=[root],
        fetch=loopback_fetch(origin, origin),
    )
    return create_app({"VERIFY": True, "SKILL_ID": skill_id}, verifier=verifier, skill=skill)


def app() -> Flask:
    return _app(None)


def hello() -> Flask:
    return _app(hello_skill())
