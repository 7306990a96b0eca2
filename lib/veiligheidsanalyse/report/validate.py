"""``veiligheidsanalyse validate``: check the configuration and every partner file a run would read,
then print the analyst's checklist (``report.checklist``).

Lists every problem at once (file, sheet, row, column, found vs expected) and exits 2 on an error,
without starting anything. Gemeente names for the wrong-gemeente check come from the local
snapshots (cache, else demo); no network is used.

When the inputs are valid, the checklist is made as a run would make it, on a store built in a
temporary folder from the local snapshots (the data policy ``demo`` stays demo, any other is read as
``cache``, each table falling back to its demo snapshot) and the partner files; nothing is written
to the output folder. Example partner files count as a run would count them: with real open data
only when ``invoer.voorbeeld_gebruiken`` is set. The checklist never changes the exit status.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import ConfigError, load_config_for_command, resolve
from ..paths import project_root


def _local_snapshots(config, root: Path, stream=None) -> dict:
    """The newest intact local snapshot of each table (cache, else demo), for the gemeente names. A
    damaged copy is named and passed over here (the checklist's data step then sets it aside in
    ``rejected/``, as a run does)."""
    from ..sources.snapshots import SnapshotError, list_snapshots
    from ..sources.tables import TABLES

    found = {}
    for folder in (resolve(root, config.data.cache), resolve(root, config.data.demo)):
        for table_id in TABLES:
            if table_id in found:
                continue
            for snap in reversed(list_snapshots(folder, table_id)):
                try:
                    snap.verify()
                    snap.metadata  # noqa: B018 - read it: a missing or damaged file raises here
                except SnapshotError as exc:
                    print(
                        f"Let op: tabel {table_id}: de opgeslagen kopie {snap.snapshot_id} is beschadigd ({exc}); "
                        "een run zet die apart en gebruikt een eerdere kopie.",
                        file=stream or sys.stdout,
                    )
                    continue
                found[table_id] = snap
                break
    return found


def validate_command(config_path: Path, stream=None) -> int:
    stream = stream or sys.stdout
    config = load_config_for_command(config_path)
    if config is None:
        return 2
    print(f"Configuratie {config_path}: in orde.", file=stream)
    worst = 0
    for code in config.targets():  # a config may name several gemeenten: check each one's inputs
        gemeente_config = config.for_gemeente(code)
        result = _validate_gemeente(gemeente_config, stream)
        if result < 2:
            _print_checklist(gemeente_config, stream)
        worst = max(worst, result)
    return worst


def _print_checklist(config, stream) -> None:
    """The analyst's checklist for the local data and partner files (see the module notes)."""
    import dataclasses
    import tempfile

    root = project_root()
    policy = "demo" if config.data.beleid == "demo" else "cache"
    examples_left_out = policy != "demo" and not config.invoer_voorbeeld_gebruiken and config.invoer_voorbeeld
    if examples_left_out:
        # A run with real open data leaves the example files alone; a local demo fallback must not add them.
        config = dataclasses.replace(config, invoer_voorbeeld=None)
    try:
        from ..store.build import DataOptions, prepare_run_data
        from .checklist import from_store

        with tempfile.TemporaryDirectory(prefix="va-validate-") as tmp:
            store = Path(tmp) / "data"
            try:
                prepare_run_data(config, root, DataOptions(policy=policy), work_dir=store)
            except Exception:
                if policy == "demo":
                    raise
                prepare_run_data(config, root, DataOptions(policy="demo"), work_dir=store)
            context = (
                f"Gemaakt door 'veiligheidsanalyse validate' op de lokale gegevens (gegevensbeleid "
                f"'{policy}') en de partnerbestanden; een run schrijft zijn eigen checklist in "
                f"outputs/.intern/<gemeente>/<run>/checklist.md"
                + (
                    "; voorbeeldbestanden zijn niet meegeteld, want een run met echte open data gebruikt ze niet"
                    if examples_left_out
                    else ""
                )
            )
            text = from_store(store, config, context, root=root).markdown()
    except Exception as exc:  # noqa: BLE001 - the checklist is a help, never a reason for validate to fail
        print(f"Checklist voor de analist niet gemaakt: {type(exc).__name__}: {exc}", file=stream)
        return
    print("", file=stream)
    print(text, file=stream)


def _validate_gemeente(config, stream) -> int:
    from ..store.build import _known_gemeenten_kwarg, gemeente_naam, inputs_folder

    root = project_root()
    snapshots = _local_snapshots(config, root, stream)
    try:
        naam = gemeente_naam(config, snapshots)  # a 'naam' of another gemeente is an error with or without partners
    except ConfigError as exc:
        print(exc.user_message(), file=sys.stderr)
        return 2
    if config.invoer_map is None:
        print("Geen partnerbestanden geconfigureerd (invoer.map).", file=stream)
        return 0
    from ..sources.inputs import InputsConfig, error_count, format_problems, validate_inputs

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
        print(f"{error_count(errors)} fout(en): de run start niet voordat deze zijn opgelost.", file=sys.stderr)
        return 2
    print(
        f"Partnerbestanden in {folder.relative_to(root) if folder.is_relative_to(root) else folder.name}: in orde.",
        file=stream,
    )
    return 0
