"""Generating the Alexa skill package from the catalog, and checking it against Alexa's rules."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intents.catalog import Catalog, Intent, default_catalog
from intents.content import LOCALES
from intents.datafile import Fields, load_yaml

PACKAGE_DIR = Path(__file__).parent / "skill-package"
MANIFEST_SETTINGS = Path(__file__).parent / "manifest.yaml"
REQUIRED_BUILTINS = (
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
)
MAX_SAMPLE_CHARS = 200
_ACRONYM = re.compile(r"\b[A-Z]{2,5}\b")
_SAMPLE_CHARS = re.compile(r"^[A-Za-z' .{}]+$")
_SLOT = re.compile(r"\{([A-Za-z_]+)\}")


def alexa_sample(text: str) -> str:
    """Our phrasing as Alexa wants it: acronyms spelled out ("CBT" -> "c. b. t.")."""
    spelled = _ACRONYM.sub(lambda m: " ".join(f"{c.lower()}." for c in m.group()), text)
    return " ".join(spelled.split())


def _intent_model(intent: Intent) -> dict[str, Any]:
    model: dict[str, Any] = {
        "name": intent.name,
        "samples": [] if intent.builtin else [alexa_sample(s) for s in intent.samples],
    }
    if intent.slots:
        model["slots"] = [{"name": n, "type": t} for n, t in intent.slots.items()]
    return model


def language_model(catalog: Catalog, invocation_name: str) -> dict[str, Any]:
    types = [
        {
            "name": slot_type.name,
            "values": [
                {"id": value, "name": {"value": syns[0], "synonyms": list(syns[1:])}}
                for value, syns in slot_type.values.items()
            ],
        }
        for slot_type in catalog.slot_types.values()
    ]
    return {
        "interactionModel": {
            "languageModel": {
                "invocationName": invocation_name,
                "intents": [_intent_model(intent) for intent in catalog.intents.values()],
                "types": types,
            }
        }
    }


def skill_manifest(settings: Fields) -> dict[str, Any]:
    locales = settings.mapping("locales")
    publishing = {}
    privacy = {}
    for locale in LOCALES:
        entry = locales.mapping(locale)
        publishing[locale] = {
            "name": entry.text("name"),
            "summary": entry.text("summary"),
            "description": entry.text("description"),
            "examplePhrases": list(entry.texts("example_phrases")),
            "keywords": list(entry.texts("keywords")),
        }
        privacy[locale] = {
            "privacyPolicyUrl": settings.text("privacy_policy_url"),
            "termsOfUseUrl": settings.text("terms_of_use_url"),
        }
    return {
        "manifest": {
            "manifestVersion": "1.0",
            "publishingInformation": {
                "locales": publishing,
                "isAvailableWorldwide": False,
                "distributionCountries": ["GB", "US"],
                "category": settings.text("category"),
                "testingInstructions": "Informational skill; see README for test phrases.",
            },
            "privacyAndCompliance": {
                "allowsPurchases": False,
                "usesPersonalInfo": False,
                "isChildDirected": False,
                "isExportCompliant": True,
                "containsAds": False,
                "locales": privacy,
            },
            "apis": {
                "custom": {
                    "endpoint": {
                        "uri": settings.text("endpoint_uri"),
                        "sslCertificateType": "Trusted",
                    }
                }
            },
        }
    }


@dataclass(frozen=True)
class PackageFile:
    """One generated file of the skill package."""

    path: Path
    """Where it lives in the repository."""

    text: str
    """Its exact content."""


def package_files(catalog: Catalog | None = None) -> list[PackageFile]:
    catalog = catalog or default_catalog()
    settings = Fields(MANIFEST_SETTINGS, load_yaml(MANIFEST_SETTINGS))
    invocation = settings.text("invocation_name")
    files = [PackageFile(PACKAGE_DIR / "skill.json", _dump(skill_manifest(settings)))]
    for locale in LOCALES:
        path = PACKAGE_DIR / "interactionModels" / "custom" / f"{locale}.json"
        files.append(PackageFile(path, _dump(language_model(catalog, invocation))))
    return files


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def write_package(catalog: Catalog | None = None) -> list[Path]:
    written = []
    for file in package_files(catalog):
        file.path.parent.mkdir(parents=True, exist_ok=True)
        file.path.write_text(file.text, encoding="utf-8")
        written.append(file.path)
    return written


def stale_files(catalog: Catalog | None = None) -> list[Path]:
    """Committed package files that differ from what the catalog generates now."""
    return [
        f.path
        for f in package_files(catalog)
        if not f.path.exists() or f.path.read_text(encoding="utf-8") != f.text
    ]


def validate(model: dict[str, Any]) -> list[str]:
    """Problems Alexa's model builder would reject; an empty list means it is acceptable."""
    language = model["interactionModel"]["languageModel"]
    problems = _invocation_problems(language["invocationName"])
    names = {intent["name"] for intent in language["intents"]}
    problems += [f"missing required built-in {b}" for b in REQUIRED_BUILTINS if b not in names]
    types = {t["name"] for t in language.get("types", [])}
    owner: dict[str, str] = {}
    for intent in language["intents"]:
        slots = {slot["name"]: slot["type"] for slot in intent.get("slots", [])}
        for slot_type in slots.values():
            if slot_type not in types and not slot_type.startswith("AMAZON."):
                problems.append(f"{intent['name']}: slot type {slot_type} is not defined")
        problems += _search_query_problems(intent["name"], intent["samples"], slots)
        for sample in intent["samples"]:
            problems += _sample_problems(intent["name"], sample, slots)
            key = " ".join(sample.lower().replace("'", "").split())
            if key in owner and owner[key] != intent["name"]:
                problems.append(f"'{sample}' is claimed by {owner[key]} and {intent['name']}")
            owner.setdefault(key, intent["name"])
    return problems


def _search_query_problems(intent: str, samples: list[str], slots: dict[str, str]) -> list[str]:
    """AMAZON.SearchQuery needs a carrier phrase in every sample and no other slot beside it."""
    queries = [name for name, kind in slots.items() if kind == "AMAZON.SearchQuery"]
    if not queries:
        return []
    problems = []
    if len(slots) > 1:
        problems.append(f"{intent}: an AMAZON.SearchQuery slot must be the intent's only slot")
    for sample in samples:
        if sample.strip() == "{" + queries[0] + "}":
            problems.append(f"{intent}: '{sample}' needs a carrier phrase around the SearchQuery")
    return problems


def _invocation_problems(name: str) -> list[str]:
    problems = []
    if not re.fullmatch(r"[a-z][a-z ]*[a-z]", name) or len(name.split()) < 2:
        problems.append("invocation name must be two or more lower-case words")
    if {"alexa", "amazon", "echo", "skill", "app"} & set(name.split()):
        problems.append("invocation name must not contain launch or wake words")
    return problems


def _sample_problems(intent: str, sample: str, slots: dict[str, str]) -> list[str]:
    problems = []
    if not _SAMPLE_CHARS.match(sample):
        problems.append(f"{intent}: '{sample}' has characters Alexa does not accept")
    if len(sample) > MAX_SAMPLE_CHARS:
        problems.append(f"{intent}: '{sample[:40]}...' is over {MAX_SAMPLE_CHARS} characters")
    if any("." in word and not re.fullmatch(r"[a-z]\.", word) for word in sample.split()):
        problems.append(f"{intent}: '{sample}' has a period that is not after a spelled letter")
    for slot in _SLOT.findall(sample):
        if slot not in slots:
            problems.append(f"{intent}: '{sample}' refers to undefined slot {slot}")
    if re.search(r"\}\s*\{", sample):
        problems.append(f"{intent}: '{sample}' has two slots with nothing between them")
    return problems
