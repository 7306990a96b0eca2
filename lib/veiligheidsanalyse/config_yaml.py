"""Reading a configuration file: bytes to a YAML mapping, with the line of every key.

The file is refused before parsing when it is too big, is not UTF-8 text, or cannot be read; the YAML
reader refuses a key given twice (YAML would keep the last one silently) and anchors and aliases (a few
hundred bytes of nested aliases can expand to gigabytes). Every refusal is a Dutch ConfigError naming
the line.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import yaml

from .config_errors import FILE_KEY, ConfigError

MAX_CONFIG_BYTES = 256 * 1024  # a configuration is a page of YAML; anything bigger is refused unread


def read_config_text(path: Path) -> str:
    """The file's text (UTF-8, newlines as \\n); a ConfigError when it cannot be a configuration."""
    source = str(path)
    try:
        size = path.stat().st_size
        if path.is_file() and size > MAX_CONFIG_BYTES:
            raise ConfigError(
                source,
                FILE_KEY,
                f"het bestand is {size} bytes; verwacht een configuratie van hoogstens {MAX_CONFIG_BYTES} bytes",
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(source, FILE_KEY, "bestand niet gevonden") from None
    except OSError as exc:  # a folder, no permission, an I/O error: a message, not a traceback
        raise ConfigError(source, FILE_KEY, f"kan het bestand niet lezen: {_os_reden(exc)}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            source,
            FILE_KEY,
            f"geen UTF-8-tekst: onleesbare byte {raw[exc.start]:#04x} op positie "
            f"{exc.start}; verwacht een bestand opgeslagen als UTF-8",
            line,
        ) from None
    return text.replace("\r\n", "\n")  # as read_text did: the same lines either way


def _os_reden(exc: OSError) -> str:
    """Why a file cannot be read, in Dutch (the system's own text is English)."""
    reasons = {
        errno.EISDIR: "het is een map, verwacht een bestand",
        errno.EACCES: "geen leesrechten",
        errno.EPERM: "geen leesrechten",
        errno.ENOTDIR: "een deel van het pad is geen map",
        errno.ELOOP: "een snelkoppeling (link) die naar zichzelf verwijst",
        errno.ENAMETOOLONG: "de naam is te lang",
        errno.EIO: "leesfout van de schijf",
    }
    if exc.errno in reasons:
        return reasons[exc.errno]
    code = errno.errorcode.get(exc.errno, "") if exc.errno else ""
    return f"systeemfout {code}".strip() if code else "systeemfout"


class _StrictLoader(yaml.SafeLoader):
    """YAML without surprises: a key given twice is an error (YAML would keep the last one silently),
    and anchors and aliases are refused (a few hundred bytes of nested aliases can expand to gigabytes).

    While composing it records the line of every key path (``lines``: ``data.beleid`` -> 31,
    ``vergelijking.peers.gemeenten[2]`` -> 28; ``""`` is the document) in the format of the schema's
    keys, and ``current``, the key path being read when an error stops it."""

    def __init__(self, stream):
        super().__init__(stream)
        self.lines: dict[str, int] = {}
        self.current = ""
        self._stack: list[str | None] = []  # the key path of each node being composed (None: not a key's)
        self._mapping_paths: dict[int, str] = {}  # id of a mapping node -> its key path

    def _child(self, parent, index) -> tuple[str | None, int | None]:
        """The key path and line of the node composed next (None for a mapping's key itself)."""
        if parent is None:
            return "", None
        above = self._stack[-1] if self._stack else None
        if above is None:
            return None, None
        if isinstance(parent, yaml.MappingNode):
            if index is None or not isinstance(index, yaml.ScalarNode) or index.tag == "tag:yaml.org,2002:merge":
                return None, None
            key = self.construct_object(index)
            return (f"{above}.{key}" if above else str(key)), index.start_mark.line + 1
        return f"{above}[{index}]", None

    def compose_node(self, parent, index):
        above = self._stack[-1] if self._stack else None
        path, line = self._child(parent, index)
        if path is not None:
            self.current = path
        elif above is not None:  # a mapping's key: what is read belongs to the mapping
            self.current = above
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _YamlRefused(
                event.start_mark,
                "ankers en verwijzingen (&, *) zijn niet toegestaan in een configuratie; verwacht de waarden zelf",
                self.current,
            )
        if path is not None:
            self.lines.setdefault(path, line if line is not None else event.start_mark.line + 1)
        self._stack.append(path)
        node = super().compose_node(parent, index)
        self._stack.pop()
        if above is not None:
            self.current = above
        if path is not None and isinstance(node, yaml.MappingNode):
            self._mapping_paths[id(node)] = path
        return node

    def construct_mapping(self, node, deep=False):
        above = self._mapping_paths.get(id(node))
        seen: dict[Any, Any] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                hash(key)
            except TypeError:
                raise _YamlRefused(
                    key_node.start_mark,
                    "een sleutel is hier een lijst of blok; verwacht tekst (sleutel: waarde)",
                    above,
                ) from None
            path = (f"{above}.{key}" if above else str(key)) if above is not None else None
            if key in seen:
                raise _YamlRefused(
                    key_node.start_mark,
                    f"de sleutel {key!r} staat er twee keer (eerst op regel "
                    f"{seen[key].line + 1}); verwacht elke sleutel één keer",
                    path,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def _construct_int(loader: _StrictLoader, node):
    try:
        return yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # thousands of digits: Python refuses to convert them
        line = node.start_mark.line + 1
        key = next((path for path, at in loader.lines.items() if at == line and path), None)
        raise _YamlRefused(node.start_mark, "een getal met te veel cijfers; verwacht een gewoon getal", key) from None


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class _YamlRefused(Exception):
    def __init__(self, mark, message: str, key: str | None = None):
        self.mark, self.message, self.key = mark, message, key


# What PyYAML's (English) complaints mean, in Dutch: (start of the problem, explanation).
_YAML_PROBLEMS = (
    ("found character '\\t'", "een tab; verwacht inspringen met spaties"),
    ("found character", "dit teken kan hier geen waarde beginnen; verwacht tekst tussen aanhalingstekens"),
    ("could not find expected ':'", "een ':' ontbreekt; verwacht 'sleutel: waarde'"),
    (
        "mapping values are not allowed here",
        (
            "hier mag geen 'sleutel: waarde' staan; verwacht een andere "
            "inspringing, of tekst met een ':' tussen aanhalingstekens"
        ),
    ),
    ("mapping keys are not allowed here", "hier mag geen sleutel staan; verwacht een andere inspringing"),
    ("sequence entries are not allowed here", "hier mag geen lijstpunt ('- ') staan; verwacht een andere inspringing"),
    ("expected ',' or ']'", "een ',' of ']' ontbreekt; verwacht een lijst als [a, b, c]"),
    ("expected ',' or '}'", "een ',' of '}' ontbreekt; verwacht een blok als {van: 2015, tot: 2025}"),
    ("expected <block end>", "de inspringing klopt niet; verwacht sleutels van één blok recht onder elkaar"),
    ("invalid indentation or unclosed", "de inspringing klopt niet of een '[' of '{' is niet gesloten"),
    ("expected the node content", "hier ontbreekt een waarde"),
    ("did not find expected", "de opbouw klopt hier niet; verwacht een sleutel, een lijstpunt of een waarde"),
    ("found unexpected end of stream", "het bestand houdt onverwacht op; verwacht een sluitend aanhalingsteken"),
    (
        "found unknown escape character",
        ("een onbekende \\-code in tekst tussen dubbele aanhalingstekens; verwacht enkele aanhalingstekens"),
    ),
    ("expected a single document", "meer dan één document (---); verwacht één configuratie per bestand"),
    ("found unexpected document separator", "een '---' of '...' midden in het bestand; verwacht één document"),
    ("found unhashable key", "een sleutel is hier een lijst of blok; verwacht tekst"),
    ("found undefined tag handle", "een onbekend label (!...); verwacht gewone waarden zonder label"),
    ("could not determine a constructor", "een onbekend label (!...); verwacht gewone waarden zonder label"),
)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    for start, dutch in _YAML_PROBLEMS:
        if problem.startswith(start):
            return dutch
    if problem.startswith(("expected", "while")) or not problem:
        return "de opbouw klopt hier niet"
    return "de waarde kan niet worden gelezen"


def load_yaml(text: str, source: str) -> tuple[Any, dict[str, int]]:
    """The parsed file and the line of each key path; errors name the line (and the key being read)."""
    loader = None
    try:
        loader = _StrictLoader(text)
        return loader.get_single_data(), loader.lines
    except _YamlRefused as exc:
        raise ConfigError(source, exc.key or FILE_KEY, exc.message, exc.mark.line + 1) from None
    except yaml.reader.ReaderError as exc:  # a control character in the text
        line = text[: exc.position].count("\n") + 1
        character = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(
            source,
            FILE_KEY,
            f"geen geldige YAML: het stuurteken {character} is niet toegestaan; verwacht gewone tekst",
            line,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        column = f" (kolom {mark.column + 1})" if mark else ""
        key = loader.current if loader else ""
        if not key and line is not None and loader is not None:  # raised while constructing: the key of the line
            key = next((path for path, at in loader.lines.items() if at == line and path), "")
        raise ConfigError(source, key or FILE_KEY, f"geen geldige YAML{column}: {_yaml_problem(exc)}", line) from None
    except RecursionError:
        raise ConfigError(source, FILE_KEY, "te diep genest; verwacht een configuratie van enkele niveaus") from None
    finally:
        if loader is not None:
            loader.dispose()
