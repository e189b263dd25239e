"""ask-sdk persistence adapter over the shared SQLite progress store.

Alexa's session attributes vanish when a conversation ends; where a rehearsal stopped must
outlive it. This adapter lets ``AttributesManager.persistent_attributes`` read and write
`intents.progress_store.ProgressStore`, keyed by the Alexa user id, so any gunicorn worker
sharing the file can serve any user's next conversation.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter
from ask_sdk_core.exceptions import PersistenceException
from ask_sdk_model import RequestEnvelope

from intents.progress_store import ProgressStore, ProgressStoreError


def user_id(request_envelope: RequestEnvelope) -> str:
    """context.System.user.userId, else session.user.userId (PersistenceException if neither)."""
    context, session = request_envelope.context, request_envelope.session
    for holder in (getattr(context, "system", None), session):
        user = getattr(holder, "user", None)
        if user is not None and user.user_id:
            return str(user.user_id)
    raise PersistenceException(
        "cannot keep rehearsal progress: the request carries no user id "
        "(neither context.System.user.userId nor session.user.userId)"
    )


@contextmanager
def _as_persistence_error() -> Iterator[None]:
    """ask-sdk callers expect PersistenceException, as from its DynamoDB adapter.

    ValueError (attributes that are not progress) is wrapped too, so a handler's one
    ``except PersistenceException`` keeps the skill answering; the cause stays chained.
    """
    try:
        yield
    except (ProgressStoreError, ValueError) as error:
        raise PersistenceException(str(error)) from error


class SQLitePersistenceAdapter(AbstractPersistenceAdapter):
    """Persistent attributes in the embedded SQLite progress file, keyed by Alexa user id."""

    def __init__(self, store: ProgressStore | None = None) -> None:
        self.store = store if store is not None else ProgressStore()

    def get_attributes(self, request_envelope: RequestEnvelope) -> dict[str, object]:
        """The user's saved progress, or {} for a new user."""
        key = user_id(request_envelope)
        with _as_persistence_error():
            return self.store.load(key)

    def save_attributes(
        self, request_envelope: RequestEnvelope, attributes: dict[str, Any]
    ) -> None:
        """Replace the user's progress; only allow-listed progress fields are accepted."""
        key = user_id(request_envelope)
        with _as_persistence_error():
            self.store.save(key, attributes)

    def delete_attributes(self, request_envelope: RequestEnvelope) -> None:
        """Forget the user's progress."""
        key = user_id(request_envelope)
        with _as_persistence_error():
            self.store.delete(key)
