"""The error of an invalid run configuration, and how it shows the value found and finds its line.

Shared by the YAML reader (config_yaml), the schema (config_schema) and the entry points (config).
"""

from __future__ import annotations

import math
from typing import Any

from .errors import EXIT_INVALID, VeiligheidsanalyseError

FILE_KEY = "(bestand)"  # the key of an error about the file as a whole


class ConfigError(VeiligheidsanalyseError, ValueError):
    """A run configuration is invalid (exit 2). ``key`` is the dotted path of the offending key, ``message``
    the Dutch sentence (value found, what was expected) and ``line`` the line of the file where the
    key is (None for a configuration that is not read from a file, or an error about the whole file)."""

    def __init__(self, source: str, key: str, message: str, line: int | None = None):
        self.source = source
        self.key = key
        self.message = message
        self.line = line
        super().__init__(source, key, message, line)  # all four: the error survives pickling

    exit_code = EXIT_INVALID

    def user_message(self) -> str:
        return f"ongeldige configuratie: {self}"

    def __str__(self) -> str:
        where = f"{self.source}, regel {self.line}" if self.line else self.source
        return f"{where}: {self.key}: {self.message}"


def toon(value: Any) -> str:
    """A value as the user wrote it, short: ``'abc'``, ``7``, ``true``, ``.nan``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "niets (een lege waarde)"
    if isinstance(value, float) and math.isnan(value):
        return ".nan (geen getal)"
    if isinstance(value, float) and math.isinf(value):
        return ".inf (oneindig)" if value > 0 else "-.inf (oneindig)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def line_of(lines: dict[str, int], key: str) -> int | None:
    """The line of ``key``, or of the nearest enclosing key that is in the file (a missing key's
    block); None when not even the top-level key is there."""
    while key:
        if key in lines:
            return lines[key]
        cut = max(key.rfind("."), key.rfind("["))
        if cut <= 0:
            return None
        key = key[:cut]
    return None


def without(lines: dict[str, int], keys: Any) -> dict[str, int]:
    """The line map without the keys given elsewhere (the command line) and all under them."""
    keys = tuple(keys)
    return {
        path: line
        for path, line in lines.items()
        if not any(path == k or path.startswith((f"{k}.", f"{k}[")) for k in keys)
    }
