"""``veiligheidsanalyse fetch``: update the snapshot cache for a configuration, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import load_config_for_command, resolve
from ..paths import project_root


def fetch_command(config_path: Path, endpoint=None, stream=None) -> int:
    """Fetch every table of the configuration (each gemeente of it); exit 3 when a required table
    failed. ``endpoint`` defaults to :func:`~.data_step.default_endpoint` (``VA_ODATA_URL`` or the real
    hosts). Offline (see ``fetch_tables``) is said once, and the gemeenten after it are not tried."""
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
    offline = None  # the error that showed the server unreachable: said once, then no more requests
    for code in config.targets():  # a config may name several gemeenten: each its own buurten
        requests = fetch_requests(config.for_gemeente(code))
        if offline is not None:
            print(f"{code}: MISLUKT — {', '.join(r.table_id for r in requests)} niet geprobeerd: offline "
                  f"({offline.table_id}: {offline.reason})", file=sys.stderr)
            failed_required = failed_required or any(table_spec(r.table_id).required for r in requests)
            continue
        report = fetch_tables(requests, cache, endpoint)
        for table_id, outcome in report.outcomes.items():
            if outcome.status == "failed":
                error = outcome.error
                if offline is not None and getattr(error, "offline", False):
                    print(f"{code} {table_id}: MISLUKT — niet geprobeerd: offline (zie {offline.table_id})",
                          file=sys.stderr)
                else:
                    print(f"{code} {table_id}: MISLUKT — {error}", file=sys.stderr)
                if getattr(error, "offline", False) and offline is None:
                    offline = error
                failed_required = failed_required or table_spec(table_id).required
            else:
                where = outcome.snapshot.path if outcome.snapshot else ""
                print(f"{code} {table_id}: {outcome.status} {where}", file=stream)
    return 3 if failed_required else 0
