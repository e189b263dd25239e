"""`therapy-checkin ask`: one question, a batch on stdin, or a typed conversation."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from intents.conversation import Conversation
from intents.reply import Reply
from intents.understanding import understand


def first_turn(text: str, locale: str) -> tuple[Reply, dict[str, Any]]:
    """Answer text as the first turn of a fresh conversation; the JSON contract object too."""
    recognition = understand(text)
    conversation = Conversation(locale)
    reply = conversation.handle(
        recognition.intent, recognition.slots, text=text, confidence=recognition.confidence
    )
    intent = "CrisisIntent" if reply.intent == "CrisisIntent" else recognition.intent
    confidence = recognition.confidence if intent == recognition.intent else 1.0
    record = {
        "text": text,
        "intent": intent,
        "confidence": round(confidence, 4),
        "speech": reply.text,
    }
    return reply, record


def batch(lines: Iterable[str], locale: str, out: TextIO) -> None:
    """One JSON object per input line, each line the first turn of a fresh conversation."""
    for line in lines:
        _, record = first_turn(line.rstrip("\r\n"), locale)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")


def typed_conversation(locale: str, stdin: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    """A conversation at the keyboard: the launch greeting, then one line per turn."""
    conversation = Conversation(locale)
    out.write(conversation.start().text + "\n")
    while not conversation.ended:
        out.write("> ")
        out.flush()
        line = stdin.readline()
        if not line:
            break
        out.write(conversation.say(line.strip()).text + "\n")
