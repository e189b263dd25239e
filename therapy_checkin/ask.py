"""`therapy-checkin ask`: one question, a batch on stdin, or a typed conversation."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from intents.conversation import Conversation
from intents.reply import Reply
from intents.understanding import understand

#: Lone surrogates: what surrogateescape makes of undecodable bytes (argv, some stdin modes).
_SURROGATE = re.compile("[\ud800-\udfff]")
#: Line breaks that JSON leaves unescaped but str.splitlines() and some readers honour.
_UNICODE_LINE_BREAKS = str.maketrans({"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def printable(text: str) -> str:
    """The text with each lone surrogate as U+FFFD, so the record is always valid UTF-8."""
    return _SURROGATE.sub("\ufffd", text)


def json_line(record: dict[str, Any]) -> str:
    """The record as JSON on exactly one line, whichever line breaks the reader splits on."""
    return json.dumps(record, ensure_ascii=False).translate(_UNICODE_LINE_BREAKS)


def first_turn(text: str, locale: str) -> tuple[Reply, dict[str, Any]]:
    """Answer text as the first turn of a fresh conversation; the JSON contract object too."""
    text = printable(text)
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
        out.write(json_line(record) + "\n")


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
