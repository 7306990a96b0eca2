#!/usr/bin/env python
"""Measure the report runner against the loop a user would write: papermill, then nbconvert.

Everything runs in one go on this machine, on a throw-away copy of the project (notebooks, configs,
the shipped demo data), so nothing in the working tree changes and no network is used (data policy
``demo``). Scenarios, interleaved run by run so that machine noise hits all of them alike:

naive      per chapter, one after the other: ``papermill nb out.ipynb -k veiligheidsanalyse -p store ...
           -p run_dir ...`` then ``jupyter nbconvert --to html --no-input out.ipynb``; the store is
           built once beforehand and not timed (in favour of the naive loop)
full       ``veiligheidsanalyse run <config> --force --quiet`` with the store cache emptied first: the
           whole report from scratch, data step (normalisation) included
unchanged  the same command without --force, right after a full run: nothing changed
offline    ``make report`` as a user without network runs it: data policy ``fresh`` with every request
           refused (``VA_ODATA_URL`` pointing at a closed port on 127.0.0.1), nothing changed since
           the last run; every table falls back to its demo snapshot, at once and without back-off
edit       after editing one notebook (a new markdown cell): only that chapter and the index
basisteam  ``veiligheidsanalyse run <basisteam config> --force`` (store cache emptied): five gemeenten
           and the regional report, against ``full`` for one gemeente
cold       (only with --only) ``full`` with VA_WARM_KERNELS=0: no kernels started ahead
nofork     (only with --only) ``full`` with VA_FORK_KERNELS=0 and VA_FORK_WORKERS=0: every kernel and
           every worker imports its libraries itself
before     (only with --before-lib) ``full`` with another version of the package, e.g. the previous
           runner: before and after a change, measured in the same iterations

Before the timed iterations, ``full`` and ``basisteam`` run once each in their empty output folders:
a first run has no earlier chapter durations to schedule the longest chapter first by. Its time is
reported apart, not in the medians, which are about the runs an analyst repeats. The package is
byte-compiled first, as an installed package is after its first run.

Reported: medians (and min/max) of the wall times and of the CPU time of the whole process tree
(user + system, from wait4: robust against other load on the machine), ratios against the targets
(ratio of the medians, and the median of the per-iteration ratios), the lower bound (sum of the
chapters' kernel CPU time divided by the cores; the worker reads each kernel's CPU time from /proc
before stopping it), the runner's own peak memory (from the manifest), the peak memory of the whole
process tree and the largest chapter's kernel peak memory. The tree's memory is sampled in one extra
full run after the timed ones: reading a process's PSS takes ~10 ms of CPU, for the runner, the
template, the workers and the kernels every 200 ms about a quarter of a core, which would slow the
timed runs down.

Usage::

    .venv/bin/python benchmarks/bench_report.py                 # 5 runs of everything
    .venv/bin/python benchmarks/bench_report.py --runs 5 --only naive,full
    .venv/bin/python benchmarks/bench_report.py --quick         # 1 run, no naive loop, no basisteam
    .venv/bin/python benchmarks/bench_report.py --json out.json # also write the raw numbers
    .venv/bin/python benchmarks/bench_report.py --only full --before-lib /tmp/before/lib

``--lib FOLDER`` puts FOLDER first on PYTHONPATH for everything (a snapshot of the package, so that
edits in the working tree during the benchmark do not count as changes).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCENARIOS = ("naive", "full", "unchanged", "offline", "edit", "basisteam", "cold", "nofork", "before")
DEFAULT = ("naive", "full", "unchanged", "offline", "edit", "basisteam")


# ------------------------------------------------------------------------------------------ setup


def make_project(tmp: Path) -> Path:
    """A copy of the project's notebooks and configs with the demo data linked in."""
    project = tmp / "project"
    project.mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    shutil.copytree(ROOT / "notebooks", project / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "config", project / "config")
    (project / "data").mkdir()
    for sub in ("demo", "inputs"):
        if (ROOT / "data" / sub).exists():
            os.symlink(ROOT / "data" / sub, project / "data" / sub)
    return project


def write_config(
    project: Path, source: Path, outputs: Path, policy: str, name: str, chapters: list[str] | None = None
) -> Path:
    import yaml

    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data.setdefault("data", {})["beleid"] = policy
    data["uitvoer"] = str(outputs)
    if chapters:
        data["hoofdstukken"] = chapters
    target = project / "config" / f"{name}.yaml"
    target.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def closed_port() -> str:
    """127.0.0.1:<port> where nothing listens: every connection is refused, as without network."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


def chapters_of(config: Path) -> list[str]:
    from veiligheidsanalyse.config import load_config

    return list(load_config(config).hoofdstukken)


def lower_bound(manifest: dict, cores: int) -> float | None:
    """Sum of the chapters' kernel CPU divided by the cores (None when a chapter's is unknown)."""
    kcpu = [c.get("kernel_cpu_seconds") for c in manifest.get("chapters", {}).values()]
    if not kcpu or any(v is None for v in kcpu):
        return None
    # Kernels forked from the run's template: the template's imports are kernel CPU too.
    template = manifest.get("performance", {}).get("kernel_template_cpu_seconds") or 0.0
    return (sum(kcpu) + template) / cores


def with_lib(env: dict, lib: Path | None) -> dict:
    env = dict(env)
    if lib:
        env["PYTHONPATH"] = str(lib.resolve()) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


# ------------------------------------------------------------------------------------ measuring


class TreeMemory:
    """Peak of the summed memory of a process and all its descendants, sampled every 200 ms.

    PSS (proportional set size), not RSS: the chapter kernels are forked from one template process
    and share its pages, which RSS would count once per kernel.
    """

    def __init__(self, pid: int):
        import psutil

        self.proc = psutil.Process(pid)
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                total = 0
                for p in [self.proc] + self.proc.children(recursive=True):
                    try:
                        total += _pss(p)
                    except psutil.Error:
                        pass
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(0.2)  # reading smaps takes CPU from the run being measured

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _pss(proc) -> int:
    """Proportional set size from /proc/<pid>/smaps_rollup (RSS where that is not available)."""
    try:
        with open(f"/proc/{proc.pid}/smaps_rollup") as fh:
            for text in fh:
                if text.startswith("Pss:"):
                    return int(text.split()[1]) * 1024
    except OSError:
        pass
    return proc.memory_info().rss


def timed(cmd: list[str], env: dict, cwd: Path, memory: bool = False) -> tuple[float, int, float]:
    """Wall time, peak PSS of the process tree (bytes; 0 unless ``memory``, which perturbs the
    timing) and CPU time of the whole tree (s)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    mem = TreeMemory(proc.pid) if memory else None
    output: list[bytes] = []
    readers = [
        threading.Thread(target=lambda s=s: output.append(s.read()), daemon=True) for s in (proc.stdout, proc.stderr)
    ]
    for r in readers:
        r.start()
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    for r in readers:
        r.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    peak = mem.stop() if mem is not None else 0
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}\n" + b"\n".join(output).decode("utf-8", "replace")
        )
    return seconds, peak, usage.ru_utime + usage.ru_stime


def latest_manifest(outputs: Path) -> dict:
    manifests = sorted(outputs.glob("*/*/manifest.json"), key=lambda p: p.parent.name)
    return json.loads(manifests[-1].read_text(encoding="utf-8")) if manifests else {}


def newest_manifests(outputs: Path) -> list[dict]:
    manifests = list(outputs.glob("*/*/manifest.json"))
    if not manifests:
        return []
    newest = max(p.parent.name for p in manifests)
    return [json.loads(p.read_text(encoding="utf-8")) for p in manifests if p.parent.name == newest]


def forked_kernel_cpu(manifests: list[dict]) -> float:
    """CPU of the chapter kernels forked from the template: they are not the runner's descendants
    once they have exited, so wait4 does not count them (ordinary kernels it does count)."""
    return sum(
        c.get("kernel_cpu_seconds") or 0.0
        for m in manifests
        if m.get("performance", {}).get("kernel_template")
        for ch, c in m.get("chapters", {}).items()
        if not c.get("reused_from")
    )


def executed(manifest: dict) -> list[str]:
    return sorted(ch for ch, r in manifest.get("chapters", {}).items() if not r.get("reused_from"))


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# ------------------------------------------------------------------------------------ scenarios


def naive_loop(
    project: Path, config: Path, store: Path, chapters: list[str], out: Path, env: dict
) -> tuple[float, float]:
    from veiligheidsanalyse.config import load_config

    gemeente = load_config(config).gemeente
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    t0, cpu0 = time.perf_counter(), children_cpu()
    for ch in chapters:
        executed_nb = out / f"{ch}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                f"{ch}.ipynb",
                str(executed_nb),
                "-k",
                "veiligheidsanalyse",
                "-p",
                "gemeente",
                gemeente,
                "-p",
                "config",
                str(config),
                "-p",
                "store",
                str(store),
                "-p",
                "run_dir",
                str(out),
                "--no-progress-bar",
            ],
            cwd=project / "notebooks",
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed_nb)],
            cwd=out,
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - t0, children_cpu() - cpu0


def build_store(config: Path, project: Path, folder: Path, env: dict) -> float:
    code = (
        "import sys; from pathlib import Path; from veiligheidsanalyse.config import load_config; "
        "from veiligheidsanalyse.store.build import prepare_run_data; "
        "from veiligheidsanalyse.report.runner import RunOptions; "
        "prepare_run_data(load_config(sys.argv[1]), Path(sys.argv[2]), RunOptions(), work_dir=Path(sys.argv[3]))"
    )
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, str(config), str(project), str(folder)],
        env=env,
        check=True,
        capture_output=True,
        cwd=project,
    )
    return time.perf_counter() - t0


def edit_notebook(path: Path, n: int) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append(
        {
            "cell_type": "markdown",
            "metadata": {},
            "id": f"bench-{n}",
            "source": f"Benchmark-bewerking {n}: deze cel verandert de broncode van het notebook.",
        }
    )
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------ report


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def line(name: str, values: list[float], unit: str = "s") -> str:
    if not values:
        return f"  {name:<40} {'-':>8}"
    return f"  {name:<40} {med(values):8.2f} {unit}   (min {min(values):.2f}, max {max(values):.2f}, n={len(values)})"


def paired(a: list[float], b: list[float]) -> list[float]:
    return [x / y for x, y in zip(a, b) if y]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # Five: on a shared two-core machine the same run varies by 15-20 %, and the first full run of a
    # fresh copy has no earlier chapter durations to schedule by; the median of three is too fragile.
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (medians are reported)")
    parser.add_argument("--quick", action="store_true", help="one run; no naive loop and no basisteam")
    parser.add_argument("--only", help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--config", type=Path, default=ROOT / "config" / "westerveld.yaml")
    parser.add_argument("--basisteam", type=Path, default=ROOT / "config" / "basisteam.yaml")
    parser.add_argument("--policy", default="demo", choices=["demo", "cache"])
    parser.add_argument(
        "--hoofdstuk",
        action="append",
        dest="chapters",
        help="only these chapters (naive loop and runner alike); repeatable",
    )
    parser.add_argument("--edit", default=None, help="notebook to edit in the 'edit' scenario (default: the first)")
    parser.add_argument("--keep", type=Path, help="keep the work folder here instead of a temporary one")
    parser.add_argument("--lib", type=Path, help="put this folder first on PYTHONPATH (a snapshot of the package)")
    parser.add_argument("--before-lib", type=Path, help="scenario 'before': the full report with this package")
    parser.add_argument("--json", type=Path, help="write the raw numbers to this file")
    args = parser.parse_args(argv)
    runs = 1 if args.quick else args.runs
    wanted = set(args.only.split(",")) if args.only else set(DEFAULT)
    if args.quick and not args.only:
        wanted -= {"naive", "basisteam"}
    if args.before_lib:
        wanted.add("before")
    if not args.basisteam.exists():
        wanted.discard("basisteam")

    tmp = args.keep or Path(tempfile.mkdtemp(prefix="va-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    project = make_project(tmp)
    base_env = dict(os.environ, VA_PROJECT_ROOT=str(project), PYDEVD_DISABLE_FILE_VALIDATION="1", MPLBACKEND="Agg")
    env = with_lib(base_env, args.lib)
    # An installed package that has run once has its bytecode cached. Compile the one measured now,
    # so that no process of any scenario compiles it from source (~0.1 s of CPU per kernel; with
    # PYTHONDONTWRITEBYTECODE set, or a fresh --lib copy, every run would).
    for lib in (args.lib or ROOT / "lib", args.before_lib):
        if lib is not None:
            compileall.compile_dir(str(lib), quiet=1)
    outputs = tmp / "outputs"
    config = write_config(project, args.config, outputs, args.policy, "bench", args.chapters)
    chapters = chapters_of(config)
    cli = [str(BIN / "veiligheidsanalyse"), "run"]
    cores = os.cpu_count() or 1
    edit_target = project / "notebooks" / f"{args.edit or chapters[0]}.ipynb"
    basisteam = (
        write_config(project, args.basisteam, tmp / "outputs-basisteam", args.policy, "bench-basisteam", args.chapters)
        if "basisteam" in wanted
        else None
    )
    before_config = (
        write_config(project, args.config, tmp / "outputs-before", args.policy, "bench-before", args.chapters)
        if "before" in wanted
        else None
    )

    # A project copy of its own: the 'edit' scenario must not change the notebooks it finds unchanged.
    offline_project = make_project(tmp / "offline") if "offline" in wanted else project
    offline_config = (
        write_config(offline_project, args.config, tmp / "outputs-offline", "fresh", "bench-offline", args.chapters)
        if "offline" in wanted
        else None
    )
    offline_env = dict(env, VA_PROJECT_ROOT=str(offline_project), VA_ODATA_URL=f"http://{closed_port()}")

    print(f"Werkmap: {tmp}", flush=True)
    print(
        f"Hoofdstukken: {', '.join(chapters)}; kernen: {cores}; runs: {runs}; "
        f"load average bij start: {os.getloadavg()[0]:.2f}",
        flush=True,
    )

    keys = (
        "naive",
        "naive_cpu",
        "full",
        "full_cpu",
        "unchanged",
        "offline",
        "edit",
        "basisteam",
        "basisteam_cpu",
        "cold",
        "cold_cpu",
        "nofork",
        "nofork_cpu",
        "nofork_lower_bound",
        "before",
        "before_cpu",
        "lower_bound",
        "runner_rss_mb",
        "tree_rss_mb",
        "chapter_rss_mb",
        "kernel_cpu",
        "store_build",
        "data_step",
        "load",
    )
    res: dict[str, list] = {k: [] for k in keys}
    notes: list[str] = []
    store = tmp / "naive-store"
    if "naive" in wanted:
        res["store_build"].append(build_store(config, project, store, env))

    def full_run(cfg: Path, out: Path, run_env: dict, memory: bool = False) -> tuple[float, int, float]:
        shutil.rmtree(out / ".cache", ignore_errors=True)
        seconds, peak, cpu = timed(cli + [str(cfg), "--quiet", "--force"], run_env, project, memory)
        return seconds, peak, cpu + forked_kernel_cpu(newest_manifests(out))

    # The first run in a fresh output folder has no earlier chapter durations: the runner cannot start
    # the longest chapter first. Every later run (an analyst's re-run, a scheduled run) can. The first
    # run is measured on its own, reported apart and kept out of the medians.
    first: dict[str, tuple[float, float | None]] = {}
    if wanted & {"full", "unchanged", "edit"}:
        seconds, _, _ = full_run(config, outputs, env)
        first["full"] = (seconds, lower_bound(latest_manifest(outputs), cores))
        print(f"[eerste] runner volledig {seconds:7.2f} s  (geen eerdere duur per hoofdstuk)", flush=True)
    if basisteam is not None:
        seconds, _, _ = full_run(basisteam, tmp / "outputs-basisteam", env)
        first["basisteam"] = (seconds, None)
        print(f"[eerste] basisteam       {seconds:7.2f} s  (geen eerdere duur per hoofdstuk)", flush=True)

    if offline_config is not None:  # the first offline run builds the report; the timed ones find it unchanged
        seconds, _, _ = timed(cli + [str(offline_config), "--quiet"], offline_env, offline_project)
        print(f"[eerste] offline         {seconds:7.2f} s  (bouwt het rapport op demodata)", flush=True)

    for i in range(runs):
        res["load"].append(os.getloadavg()[0])
        tag = f"[{i + 1}/{runs}]"
        if "naive" in wanted:
            seconds, cpu = naive_loop(project, config, store, chapters, tmp / "naive-out", env)
            res["naive"].append(seconds)
            res["naive_cpu"].append(cpu)
            print(f"{tag} naive loop          {seconds:7.2f} s  (CPU {cpu:6.1f} s)", flush=True)
        if "before" in wanted:
            seconds, _, cpu = full_run(before_config, tmp / "outputs-before", with_lib(base_env, args.before_lib))
            res["before"].append(seconds)
            res["before_cpu"].append(cpu)
            print(f"{tag} runner vooraf       {seconds:7.2f} s  (CPU {cpu:6.1f} s)", flush=True)
        if wanted & {"full", "unchanged", "edit"}:
            seconds, peak, cpu = full_run(config, outputs, env)
            manifest = latest_manifest(outputs)
            res["full"].append(seconds)
            res["full_cpu"].append(cpu)
            perf = manifest.get("performance", {})
            if perf.get("runner_max_rss_kb"):
                res["runner_rss_mb"].append(perf["runner_max_rss_kb"] / 1024)
            if perf.get("data_seconds") is not None:
                res["data_step"].append(perf["data_seconds"])
            info = manifest.get("chapters", {})
            bound = lower_bound(manifest, cores)
            if bound is not None:
                res["kernel_cpu"].append(bound * cores)
                res["lower_bound"].append(bound)
            rss = [c.get("kernel_max_rss_kb") or c.get("max_rss_kb") for c in info.values()]
            if any(rss):
                res["chapter_rss_mb"].append(max(r for r in rss if r) / 1024)
            print(
                f"{tag} runner volledig     {seconds:7.2f} s  (CPU {cpu:6.1f} s; ondergrens "
                f"{res['lower_bound'][-1] if res['lower_bound'] else float('nan'):.2f} s)",
                flush=True,
            )
        if "cold" in wanted:
            seconds, _, cpu = full_run(config, outputs, dict(env, VA_WARM_KERNELS="0"))
            res["cold"].append(seconds)
            res["cold_cpu"].append(cpu)
            print(f"{tag} geen warme kernels  {seconds:7.2f} s  (CPU {cpu:6.1f} s)", flush=True)
        if "nofork" in wanted:
            seconds, _, cpu = full_run(config, outputs, dict(env, VA_FORK_KERNELS="0", VA_FORK_WORKERS="0"))
            res["nofork"].append(seconds)
            res["nofork_cpu"].append(cpu)
            bound = lower_bound(latest_manifest(outputs), cores)  # no template: each kernel imports itself
            if bound is not None:
                res["nofork_lower_bound"].append(bound)
            print(f"{tag} zonder forken       {seconds:7.2f} s  (CPU {cpu:6.1f} s)", flush=True)
        if "unchanged" in wanted:
            seconds, _, _ = timed(cli + [str(config), "--quiet"], env, project)
            ran = executed(latest_manifest(outputs))
            res["unchanged"].append(seconds)
            if ran:
                notes.append(f"unchanged run {i + 1} executed {ran} (expected none)")
            print(f"{tag} niets veranderd     {seconds:7.2f} s  (uitgevoerd: {ran or 'niets'})", flush=True)
        if offline_config is not None:
            seconds, _, _ = timed(cli + [str(offline_config), "--quiet"], offline_env, offline_project)
            ran = executed(latest_manifest(tmp / "outputs-offline"))
            res["offline"].append(seconds)
            if ran:
                notes.append(f"offline run {i + 1} executed {ran} (expected none)")
            print(f"{tag} offline, onveranderd {seconds:7.2f} s  (uitgevoerd: {ran or 'niets'})", flush=True)
        if "edit" in wanted:
            edit_notebook(edit_target, i)
            seconds, _, _ = timed(cli + [str(config), "--quiet"], env, project)
            ran = executed(latest_manifest(outputs))
            res["edit"].append(seconds)
            if ran != [edit_target.stem]:
                notes.append(f"edit run {i + 1} executed {ran} (expected [{edit_target.stem}])")
            print(f"{tag} één bewerkt         {seconds:7.2f} s  (uitgevoerd: {ran})", flush=True)
        if basisteam is not None:
            seconds, _, cpu = full_run(basisteam, tmp / "outputs-basisteam", env)
            res["basisteam"].append(seconds)
            res["basisteam_cpu"].append(cpu)
            targets = newest_manifests(tmp / "outputs-basisteam")
            print(
                f"{tag} basisteam           {seconds:7.2f} s  (CPU {cpu:6.1f} s; {len(targets)} rapporten)", flush=True
            )

    if wanted & {"full", "unchanged", "edit"}:  # memory of the whole tree: one run of its own, not timed
        _, peak, _ = full_run(config, outputs, env, memory=True)
        res["tree_rss_mb"].append(peak / 2**20)
        print(f"[geheugen] hele procesboom (PSS) {peak / 2**20:7.1f} MB", flush=True)

    # ---------------------------------------------------------------------------- table
    print()
    print(
        f"Resultaten (mediaan van {runs} run(s); {cores} kernen; load average tijdens de runs "
        f"{min(res['load']):.1f}-{max(res['load']):.1f}, nu {os.getloadavg()[0]:.1f})"
    )
    print(line("naive loop (papermill+nbconvert)", res["naive"]))
    print(line("  CPU-tijd naive loop", res["naive_cpu"]))
    if res["store_build"]:
        print(line("  (store vooraf gebouwd, niet geteld)", res["store_build"]))
    if res["before"]:
        print(line("runner vóór (--before-lib), volledig", res["before"]))
        print(line("  CPU-tijd", res["before_cpu"]))
    print(line("runner, volledig (--force, lege cache)", res["full"]))
    print(line("  CPU-tijd hele procesboom", res["full_cpu"]))
    print(line("  gegevensstap", res["data_step"]))
    print(line("  kernel-CPU, som over hoofdstukken", res["kernel_cpu"]))
    print(line("ondergrens: kernel-CPU / kernen", res["lower_bound"]))
    if res["cold"]:
        print(line("runner, volledig, geen warme kernels", res["cold"]))
        print(line("  CPU-tijd", res["cold_cpu"]))
    if res["nofork"]:
        print(line("runner, volledig, zonder forken", res["nofork"]))
        print(line("  ondergrens zonder forken", res["nofork_lower_bound"]))
        print(line("  CPU-tijd", res["nofork_cpu"]))
    print(line("runner, niets veranderd", res["unchanged"]))
    print(line("runner, offline (fresh, geen netwerk), niets veranderd", res["offline"]))
    print(line("runner, één notebook bewerkt", res["edit"]))
    print(line("runner, basisteam (5 gemeenten + regio)", res["basisteam"]))
    print(line("  CPU-tijd", res["basisteam_cpu"]))
    for key, name in (("full", "eerste run in een lege map, volledig"), ("basisteam", "eerste run, basisteam")):
        if key in first:
            seconds, bound = first[key]
            extra = f"   (÷ zijn ondergrens {seconds / bound:.2f})" if bound else ""
            print(f"  {name:<40} {seconds:8.2f} s{extra}   (apart, niet in de medianen)")
    print(line("piekgeheugen runner (eigen proces)", res["runner_rss_mb"], "MB"))
    print(line("piekgeheugen hele procesboom (PSS, aparte run)", res["tree_rss_mb"], "MB"))
    print(line("piekgeheugen grootste hoofdstuk (kernel)", res["chapter_rss_mb"], "MB"))

    print()
    print("Verhoudingen en doelen (verhouding van de medianen | mediaan van de verhoudingen per iteratie)")
    rows = []

    def ratio(name, a, b, target, ok):
        if res[a] and res[b]:
            r1 = med(res[a]) / med(res[b])
            each = paired(res[a], res[b])
            rows.append((name, f"{r1:6.2f} | {med(each):6.2f}", target, ok(r1)))
            if target and len(each) > 1:  # the spread, for a target: is the verdict robust?
                rows.append(("    per iteratie", " ".join(f"{r:.2f}" for r in each), "", None))

    ratio("naive / runner volledig", "naive", "full", ">= 3", lambda r: r >= 3)
    ratio("runner volledig / ondergrens", "full", "lower_bound", "<= 1.3", lambda r: r <= 1.3)
    if res["full_cpu"] and res["lower_bound"]:
        cpu_bound = [c / cores for c in res["full_cpu"]]
        r = med(paired(cpu_bound, res["lower_bound"]))
        rows.append(("  (CPU-tijd runner / kernen) / ondergrens", f"{r:6.2f}", "", None))
    ratio("basisteam / één gemeente", "basisteam", "full", "<= 4", lambda r: r <= 4)
    ratio("  CPU basisteam / CPU één gemeente", "basisteam_cpu", "full_cpu", "", lambda r: None)
    ratio("runner vóór / runner nu", "before", "full", "", lambda r: None)
    ratio("  CPU vóór / CPU nu", "before_cpu", "full_cpu", "", lambda r: None)
    ratio("warme kernels uit / aan", "cold", "full", "", lambda r: None)
    ratio("forken uit / aan", "nofork", "full", "", lambda r: None)
    ratio("zonder forken / zijn ondergrens", "nofork", "nofork_lower_bound", "", lambda r: None)
    # the runner against the lower bound of any runner whose kernels import the libraries themselves
    ratio("runner volledig / ondergrens zonder forken", "full", "nofork_lower_bound", "", lambda r: None)
    if res["unchanged"]:
        rows.append(("niets veranderd (s)", f"{med(res['unchanged']):6.2f}", "<= 2", med(res["unchanged"]) <= 2))
    if res["offline"]:
        rows.append(("offline, niets veranderd (s)", f"{med(res['offline']):6.2f}", "<= 1", med(res["offline"]) <= 1))
    if res["runner_rss_mb"]:
        rows.append(
            (
                "piekgeheugen runner (MB)",
                f"{med(res['runner_rss_mb']):6.1f}",
                "<= 500",
                med(res["runner_rss_mb"]) <= 500,
            )
        )
    for name, value, target, ok in rows:
        verdict = "" if ok is None else ("OK" if ok else "NIET GEHAALD")
        print(f"  {name:<44} {value:>15}   {('doel ' + target) if target else '':<12} {verdict}")
    for note in notes:
        print(f"  LET OP: {note}")
    if args.json:
        args.json.write_text(
            json.dumps({"runs": runs, "cores": cores, "chapters": chapters, "results": res, "notes": notes}, indent=1),
            encoding="utf-8",
        )
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
