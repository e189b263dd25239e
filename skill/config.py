"""Flask configuration for the skill endpoint, overridable by THERAPY_CHECKIN_* variables."""

from __future__ import annotations

ENV_PREFIX = "THERAPY_CHECKIN"


class DefaultConfig:
    """Safe defaults: verification on, small bodies only."""

    #: The Alexa skill id (amzn1.ask.skill...); required while VERIFY is on.
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
    #: or the user data directory) or "none".
    PERSISTENCE = "sqlite"
