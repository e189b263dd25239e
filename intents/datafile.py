"""Reading the project's YAML data files with errors that name the file and the field."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

DATA_DIR = Path(str(resources.files("intents") / "data"))


class DataFileError(ValueError):
    """A data file is missing, unreadable or has a field of the wrong shape."""

    def __init__(self, path: Path | str, field: str, problem: str) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        where = f"{self.path}: field '{field}'" if field else self.path
        super().__init__(f"{where}: {problem}")


def load_yaml(path: Path) -> Any:
    """Parse one YAML file, turning I/O and syntax errors into DataFileError."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError as exc:
        raise DataFileError(path, "", "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(path, "", f"cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise DataFileError(path, "", f"not valid YAML: {exc}") from exc


class Fields:
    """Typed access to one mapping in a data file; every failure names file and dotted field."""

    def __init__(self, path: Path | str, value: Any, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix
        if not isinstance(value, Mapping):
            raise DataFileError(path, prefix or "(top level)", "expected a mapping")
        self.value: Mapping[str, Any] = value

    def _name(self, key: str) -> str:
        return f"{self.prefix}.{key}" if self.prefix else key

    def error(self, key: str, problem: str) -> DataFileError:
        return DataFileError(self.path, self._name(key), problem)

    def has(self, key: str) -> bool:
        return key in self.value

    def names(self) -> list[str]:
        return [str(key) for key in self.value]

    def text(self, key: str, default: str | None = None) -> str:
        value = self.value.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, "expected non-empty text")
        return value.strip()

    def number(self, key: str, default: float | None = None) -> float:
        value = self.value.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, "expected a number")
        return float(value)

    def texts(self, key: str, default: Sequence[str] | None = None) -> tuple[str, ...]:
        value = self.value.get(key, default)
        if not isinstance(value, list) or not value:
            raise self.error(key, "expected a non-empty list of text")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}[{index}]", "expected non-empty text")
        return tuple(item.strip() for item in value)

    def text_lists(self, key: str) -> tuple[tuple[str, ...], ...]:
        value = self.value.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, "expected a list of lists of text")
        block = Fields(self.path, {f"[{i}]": v for i, v in enumerate(value)}, self._name(key))
        return tuple(block.texts(f"[{i}]") for i in range(len(value)))

    def mapping(self, key: str, default: Mapping[str, Any] | None = None) -> Fields:
        value = self.value.get(key, default)
        if value is None:
            raise self.error(key, "missing")
        return Fields(self.path, value, self._name(key))

    def items(self) -> list[tuple[str, Any]]:
        return [(str(key), value) for key, value in self.value.items()]

    def child(self, key: str, value: Any) -> Fields:
        return Fields(self.path, value, self._name(key))
