"""Partner inputs: Veiligheidsmonitor results, veiligheidsregio, Halt, Veilig Thuis, politie exports,
vakantieparken, the buurt -> kern mapping and the stories behind the figures.

Files live in an inputs folder (``data/inputs/<gemeente>/``), one per kind, named after the kind
(``halt.csv`` or ``halt.xlsx``) and never modified. Modules:

``templates``  the template of each kind, as data (columns, types, units, allowed values)
``reading``    reading CSV/XLSX as real exports come (title rows, Dutch numbers, encodings)
``validate``   every problem at once: :func:`validate_inputs`, :func:`format_problems`
``loading``    :func:`load_inputs` -> :class:`InputSet` (observations in the tidy contract)
``writing``    :func:`write_templates` (the files in ``data/inputs/templates/``)

The gemeenten a file may not be about come from the run's open data, not from a list in the code:
:func:`known_gemeenten_from_snapshots` (from :mod:`veiligheidsanalyse.sources.regions`) reads them
from the region code lists of the snapshots. Without them only GM codes of other gemeenten are
recognised, not their names.

Typical use::

    cfg = InputsConfig("data/inputs/voorbeeld/westerveld")
    known = known_gemeenten_from_snapshots(snapshots.values())   # {"GM1701": "Westerveld", ...}
    print(format_problems(validate_inputs(cfg, "GM1701", "Westerveld", known_gemeenten=known)))
    inputs = load_inputs(cfg, "GM1701", "Westerveld", known_gemeenten=known)
    inputs.observations, inputs.halt_by_group, inputs.stories.get("01_criminaliteit"), inputs.missing
"""

from ..regions import known_gemeenten_from_snapshots
from .config import InputsConfig
from .loading import InputSet, load_inputs
from .problems import (
    MAX_ERRORS_PER_FILE,
    InputProblem,
    InputValidationError,
    error_count,
    format_problem,
    format_problems,
)
from .templates import KINDS, STORY_KIND, TABLE_KINDS, TEMPLATES, Column, Template, kern_code
from .validate import validate_inputs
from .writing import write_templates

__all__ = [
    "Column",
    "InputProblem",
    "InputSet",
    "InputValidationError",
    "InputsConfig",
    "KINDS",
    "MAX_ERRORS_PER_FILE",
    "STORY_KIND",
    "TABLE_KINDS",
    "TEMPLATES",
    "Template",
    "error_count",
    "format_problem",
    "format_problems",
    "kern_code",
    "known_gemeenten_from_snapshots",
    "load_inputs",
    "validate_inputs",
    "write_templates",
]
