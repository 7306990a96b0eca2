"""``veiligheidsanalyse fetch``: update the snapshot cache for a configuration, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import load_config_for_command, resolve
from ..paths import project_root


def fetch_command(config_path: Path, endpoint=None, stream=None) -> int:
    from ..sources.fetch import fetch_tables
    from ..sources.tables import table_spec
    from .data_step import default_endpoint, fetch_requests

    stream = stream or sys.stdout
    config = load_config_for_command(config_path)
    if config is None:
        return 2
    cache = resolve(project_root(), config.data.cache)
    endpoint = endpoint or default_endpoint()
    failed_required = False
    for code in config.targets():  # a config may name several gemeenten: each its own buurten
        report = fetch_tables(fetch_requests(config.for_gemeente(code)), cache, endpoint)
        for table_id, outcome in report.outcomes.items():
            if outcome.status == "failed":
                print(f"{code} {table_id}: MISLUKT — {outcome.error}", file=sys.stderr)
                failed_required = failed_required or table_spec(table_id).required
            else:
                where = outcome.snapshot.path if outcome.snapshot else ""
                print(f"{code} {table_id}: {outcome.status} {where}", file=stream)
    return 3 if failed_required else 0
