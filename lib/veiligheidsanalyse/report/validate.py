"""``veiligheidsanalyse validate``: check the configuration and every partner file a run would read.

Lists every problem at once (file, sheet, row, column, found vs expected) and exits 2 on an error,
without starting anything. Gemeente names for the wrong-gemeente check come from the local
snapshots (cache, else demo); no network is used.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import load_config_for_command, resolve
from ..paths import project_root


def _local_snapshots(config, root: Path) -> dict:
    from ..sources.snapshots import latest_snapshot
    from ..sources.tables import TABLES

    found = {}
    for folder in (resolve(root, config.data.cache), resolve(root, config.data.demo)):
        for table_id in TABLES:
            if table_id not in found:
                snap = latest_snapshot(folder, table_id)
                if snap is not None:
                    found[table_id] = snap
    return found


def validate_command(config_path: Path, stream=None) -> int:
    stream = stream or sys.stdout
    config = load_config_for_command(config_path)
    if config is None:
        return 2
    print(f"Configuratie {config_path}: in orde.", file=stream)
    worst = 0
    for code in config.targets():  # a config may name several gemeenten: check each one's inputs
        worst = max(worst, _validate_gemeente(config.for_gemeente(code), stream))
    return worst


def _validate_gemeente(config, stream) -> int:
    if config.invoer_map is None:
        print("Geen partnerbestanden geconfigureerd (invoer.map).", file=stream)
        return 0
    from ..sources.inputs import InputsConfig, format_problems, validate_inputs
    from .data_step import _known_gemeenten_kwarg, _region_name, inputs_folder

    root = project_root()
    snapshots = _local_snapshots(config, root)
    naam = config.naam or _region_name(snapshots, config.gemeente) or config.gemeente
    folder = inputs_folder(config, root, naam)
    if folder is None:
        print(f"Geen map met partnerbestanden voor {naam} ({config.invoer_map}).", file=stream)
        return 0
    inputs_config = InputsConfig(folder, files=config.invoer_bestanden, sheets=config.invoer_tabbladen)
    problems = validate_inputs(inputs_config, config.gemeente, naam, **_known_gemeenten_kwarg(snapshots))
    errors = [p for p in problems if p.is_error]
    if problems:
        print(format_problems(problems), file=sys.stderr if errors else stream)
    if errors:
        print(f"{len(errors)} fout(en): de run start niet voordat deze zijn opgelost.", file=sys.stderr)
        return 2
    print(f"Partnerbestanden in {folder.relative_to(root) if folder.is_relative_to(root) else folder.name}: "
          "in orde.", file=stream)
    return 0
