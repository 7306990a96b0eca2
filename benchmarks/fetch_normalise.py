"""Time and peak memory of fetch + normalise for the whole table set of a run.

Serves the demo snapshots through the local fake CBS/politie OData server (the same cbsodata code
path as a real fetch), fetches every table a Westerveld run requests into a fresh cache, and
normalises the snapshots into the observation store. Prints wall time, CPU time and peak memory
(max RSS of this process) per step, medians over --runs.

    .venv/bin/python benchmarks/fetch_normalise.py --runs 3
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the fake server lives with the tests

from fake_odata import FakeOdataServer, FakeTable  # noqa: E402
from veiligheidsanalyse.config import load_config  # noqa: E402
from veiligheidsanalyse.sources.fetch import fetch_tables  # noqa: E402
from veiligheidsanalyse.sources.tables import TABLES  # noqa: E402
from veiligheidsanalyse.store.build import fetch_requests  # noqa: E402
from veiligheidsanalyse.store.normalise import normalise_snapshots  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    config = load_config(ROOT / "config" / "westerveld.yaml")
    tables = [
        FakeTable.from_snapshot(ROOT / "data" / "demo" / t / "demo")
        for t in TABLES
        if (ROOT / "data" / "demo" / t / "demo").exists()
    ]
    fetch_times, norm_times, peaks, rows = [], [], [], 0
    with FakeOdataServer(tables, page_size=5000) as server:
        endpoint = server.endpoint(retries=0, timeout=(5, 120))
        served = {t.table_id for t in tables}
        requests = [r for r in fetch_requests(config) if r.table_id in served]
        for run in range(args.runs + 1):
            # The last pass only measures memory: tracemalloc slows Python down, so it is not timed.
            measure_memory = run == args.runs
            with tempfile.TemporaryDirectory() as tmp:
                if measure_memory:
                    tracemalloc.start()
                t0 = time.perf_counter()
                report = fetch_tables(requests, Path(tmp), endpoint)
                t1 = time.perf_counter()
                if report.failed:
                    print("fetch failed:", {t: str(o.error) for t, o in report.failed.items()}, file=sys.stderr)
                    return 1
                observations = normalise_snapshots(o.snapshot for o in report.outcomes.values() if o.snapshot)
                t2 = time.perf_counter()
                if measure_memory:
                    peaks.append(tracemalloc.get_traced_memory()[1])
                    tracemalloc.stop()
                else:
                    fetch_times.append(t1 - t0)
                    norm_times.append(t2 - t1)
                rows = sum(o.snapshot.provenance["row_count"] for o in report.outcomes.values() if o.snapshot)
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"tables: {len(tables)}, raw rows fetched: {rows:,}, observations: {len(observations):,}")
    print(
        f"fetch     median {statistics.median(fetch_times):6.2f} s  "
        f"(runs: {', '.join(f'{t:.2f}' for t in fetch_times)})"
    )
    print(
        f"normalise median {statistics.median(norm_times):6.2f} s  (runs: {', '.join(f'{t:.2f}' for t in norm_times)})"
    )
    print(
        f"peak traced Python memory during fetch + normalise: {max(peaks) / 2**20:.0f} MB; "
        f"process max RSS (incl. server thread and imports): {max_rss_mb:.0f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
