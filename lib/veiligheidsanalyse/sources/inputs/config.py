"""Where the partner inputs are: a folder, optional file names and sheets per kind."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .templates import KINDS


@dataclass(frozen=True)
class InputsConfig:
    """The inputs folder of a run.

    folder    folder holding ``<kind>.csv`` or ``<kind>.xlsx`` per kind, and ``verhaal/<chapter>.md``
    files     {kind: file name} when a file is not called after its kind (relative to ``folder``,
              or absolute); for ``verhaal`` the name of the stories folder
    sheets    {kind: sheet name} for xlsx files (default: the sheet named after the kind, else the
              one sheet with the template's header; two such sheets are an error, and any other
              sheet with content is named in a warning)
    required  kinds that must be present (default none: a missing input is reported as "missing")
    chapters  chapter ids that may have a story; when given, other story files are warned about
    """

    folder: Path
    files: Mapping[str, str] = field(default_factory=dict)
    sheets: Mapping[str, str] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    chapters: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "folder", Path(self.folder))
        object.__setattr__(self, "files", dict(self.files or {}))
        object.__setattr__(self, "sheets", dict(self.sheets or {}))
        object.__setattr__(self, "required", tuple(self.required or ()))
        if self.chapters is not None:
            object.__setattr__(self, "chapters", tuple(self.chapters))
        for name, mapping in (("files", self.files), ("sheets", self.sheets)):
            unknown = sorted(set(mapping) - set(KINDS))
            if unknown:
                raise ValueError(f"inputs.{name}: unknown kind(s) {unknown}; known kinds: {', '.join(KINDS)}")
        unknown = sorted(set(self.required) - set(KINDS))
        if unknown:
            raise ValueError(f"inputs.required: unknown kind(s) {unknown}; known kinds: {', '.join(KINDS)}")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str | Path, base: Path | None = None) -> InputsConfig:
        """From a run config's inputs section: a folder, or a mapping with English or Dutch keys
        (folder|map, files|bestanden, sheets|tabbladen, required|verplicht, chapters|hoofdstukken).

        A relative folder is taken relative to ``base`` (the repository or the config's folder).
        """
        if isinstance(data, (str, Path)):
            data = {"folder": data}
        data = {_DUTCH.get(key, key): value for key, value in data.items()}
        unknown = sorted(set(data) - set(_DUTCH.values()))
        if unknown:
            raise ValueError(
                f"inputs: unknown key(s) {unknown}; allowed: {', '.join(_DUTCH)} (or {', '.join(_DUTCH.values())})"
            )
        if not data.get("folder"):
            raise ValueError("inputs: missing key 'map' (folder)")
        folder = Path(data["folder"])
        if base is not None and not folder.is_absolute():
            folder = Path(base) / folder
        return cls(
            folder=folder,
            files=data.get("files") or {},
            sheets=data.get("sheets") or {},
            required=tuple(data.get("required") or ()),
            chapters=tuple(data["chapters"]) if data.get("chapters") else None,
        )


_DUTCH = {
    "map": "folder",
    "bestanden": "files",
    "tabbladen": "sheets",
    "verplicht": "required",
    "hoofdstukken": "chapters",
    "folder": "folder",
    "files": "files",
    "sheets": "sheets",
    "required": "required",
    "chapters": "chapters",
}
