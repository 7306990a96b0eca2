"""Property-based: any mutation of the shipped configuration is either accepted or refused with a
ConfigError naming a key; never another exception, and never a silent NaN, infinity or escape.

The mutations: drop a key, duplicate nothing (YAML duplicates: test_faults_inputs_cli.py), replace a
value by another type, NaN, infinity, a huge or negative number, an empty or climbing path.
"""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from veiligheidsanalyse.config import ConfigError, parse_config

pytestmark = pytest.mark.fault("bad input")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = yaml.safe_load((ROOT / "config" / "westerveld.yaml").read_text(encoding="utf-8"))


def _paths(node, prefix=()):
    """Every key path of the mapping (lists by index)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


PATHS = list(_paths(SHIPPED))
ENGLISH = re.compile(r"\b(expected|found|unknown|missing|must|below|above|allowed)\b", re.IGNORECASE)
ODD_VALUES = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.just(float("inf")),
    st.just(-1),
    st.just(10**12),
    st.just(""),
    st.just("../../.."),
    st.just([]),
    st.just({}),
    st.just(True),
    st.text(max_size=5),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
)


def _apply(data, path, value, drop):
    node = data
    for part in path[:-1]:
        node = node[part]
    if drop and isinstance(node, dict):
        node.pop(path[-1], None)
    elif drop and isinstance(node, list):
        node.pop(path[-1])
    else:
        node[path[-1]] = value


def _finite(node) -> bool:
    if isinstance(node, float):
        return math.isfinite(node)
    if isinstance(node, dict):
        return all(_finite(v) for v in node.values())
    if isinstance(node, (list, tuple)):
        return all(_finite(v) for v in node)
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), ODD_VALUES, st.booleans())
def test_any_mutation_is_accepted_or_refused_by_name(path, value, drop):
    data = copy.deepcopy(SHIPPED)
    _apply(data, path, value, drop)
    try:
        config = parse_config(data, source="westerveld.yaml", name="westerveld")
    except ConfigError as exc:
        assert exc.key and exc.message  # names the key and what was expected
        words = re.sub(r"'[^']*'|\"[^\"]*\"", "", exc.message)  # the value found may be any text
        assert not ENGLISH.search(words), exc.message  # in Dutch, for Dutch analysts
        assert exc.line is None and str(exc).startswith("westerveld.yaml: ")  # a mapping, not a file: no line
        return
    # Accepted: nothing non-finite slipped through into the numbers the analysis uses, and no folder
    # climbs out of the project.
    assert _finite(config.prioriteiten)
    assert all(_finite(u) for u in config.uitspraken)
    for folder in (config.uitvoer, config.data.cache, config.data.demo, config.invoer_map, config.invoer_voorbeeld):
        assert folder is None or folder.is_absolute() or ".." not in folder.parts
