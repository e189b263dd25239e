"""The crisis reply, built from the one reviewed table of services per locale."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intents.content import DEFAULT_LOCALE, LOCALES
from intents.datafile import DATA_DIR, Fields, load_yaml
from intents.reply import Segment

SERVICES_FILE = DATA_DIR / "crisis_services.yaml"

#: Crisis replies are spoken slower than the user's chosen rate, with long pauses.
CRISIS_RATE_FACTOR = 0.85
CRISIS_PAUSE_MS = 1000


@dataclass(frozen=True)
class Service:
    """One place to get help now."""

    when: str
    """When to use it, spoken first ("If your life is at risk right now")."""

    say: str
    """How to reach it, written for speech (numbers digit by digit)."""

    show: str
    """How the card prints it, with the number in digits."""

    source: str
    """Where the number was checked."""


@dataclass(frozen=True)
class CrisisServices:
    """The services for one locale, and the words that introduce them."""

    locale: str
    """Locale the table applies to."""

    intro: str
    """Calm opening said before the services."""

    services: tuple[Service, ...]
    """In order of urgency."""

    def speech(self) -> tuple[Segment, ...]:
        lines = [Segment(self.intro, CRISIS_PAUSE_MS)]
        lines += [Segment(f"{s.when}, {s.say}.", CRISIS_PAUSE_MS) for s in self.services]
        return tuple(lines)

    def card(self) -> str:
        return "\n".join([self.intro, "", *(f"{s.when}: {s.show}" for s in self.services)])


def parse_services(raw: object, source: Path | str) -> dict[str, CrisisServices]:
    top = Fields(source, raw)
    tables = {}
    for locale in LOCALES:
        entry = top.mapping(locale)
        services_raw = entry.value.get("services")
        if not isinstance(services_raw, list) or not services_raw:
            raise entry.error("services", "expected a non-empty list")
        services = []
        for index, item in enumerate(services_raw):
            fields = entry.child(f"services[{index}]", item)
            services.append(
                Service(
                    when=fields.text("when"),
                    say=fields.text("say"),
                    show=fields.text("show"),
                    source=fields.text("source"),
                )
            )
        tables[locale] = CrisisServices(locale, entry.text("intro"), tuple(services))
    return tables


@lru_cache(maxsize=1)
def _tables() -> dict[str, CrisisServices]:
    return parse_services(load_yaml(SERVICES_FILE), SERVICES_FILE)


def services_for(locale: str) -> CrisisServices:
    tables = _tables()
    return tables.get(locale, tables[DEFAULT_LOCALE])
