"""Flask configuration for the skill endpoint, overridable by THERAPY_CHECKIN_* variables."""

from __future__ import annotations

import os

from flask import Config

ENV_PREFIX = "THERAPY_CHECKIN"


class ConfigurationError(RuntimeError):
    """The app cannot start safely with this configuration; the message says what to set."""


class DefaultConfig:
    """Safe defaults: verification on, small bodies only."""

    #: The Alexa skill id (amzn1.ask.skill...); required while VERIFY is on, and on Lambda.
    SKILL_ID: str | None = None
    #: Check signature, certificate chain and timestamp of every request.
    VERIFY = True
    #: Alexa requests are a few KB; anything far larger is not from Alexa.
    MAX_CONTENT_LENGTH = 256 * 1024
    #: Seconds to wait for Amazon's signing-certificate download.
    CERT_DOWNLOAD_TIMEOUT = 2.0
    #: Endpoint path Alexa posts to.
    ENDPOINT = "/alexa"
    #: Where rehearsal progress outlives a session: "sqlite" (a file in THERAPY_CHECKIN_DATA_DIR
    #: or the user data directory; one machine), "dynamodb" (several machines, or Lambda) or
    #: "none".
    PERSISTENCE = "sqlite"
    #: DynamoDB table for progress (PERSISTENCE=dynamodb); partition key "id", a string.
    DYNAMODB_TABLE: str | None = None
    #: The table's AWS region; unset falls back to AWS_REGION or AWS_DEFAULT_REGION.
    DYNAMODB_REGION: str | None = None
    #: URL of a DynamoDB-compatible server (local testing); unset means AWS's own endpoint.
    DYNAMODB_ENDPOINT: str | None = None
    #: Create the table at start-up if it is missing (and wait until it is ACTIVE); when false
    #: the table must already exist, or start-up fails.
    DYNAMODB_CREATE_TABLE = False


def environment_config() -> Config:
    """The configuration `create_app` reads, for entry points with no Flask app (Lambda).

    Flask's own parser, so a value means the same in both places ("true" is True, and so on).
    """
    config = Config(os.getcwd())
    config.from_object(DefaultConfig)
    config.from_prefixed_env(ENV_PREFIX)
    return config
