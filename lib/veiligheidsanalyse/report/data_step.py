"""The data step of a run: snapshots by data policy, partner inputs, region checks, the store.

The store is cached (``cache_dir``, the runner uses ``<uitvoer>/.cache/stores``), keyed by what it is
made of: the snapshots (id and sha256), every file in the gemeente's partner-input folder (sha256),
the gemeente, the code that builds it (normalise, sources, inputs, indicators.yaml, ...: see
``incremental.STORE_CODE``) and the versions of pandas and pyarrow. An unchanged
re-run links the cached store into the run instead of reading the partner files and normalising
the snapshots again; only ``status.json`` (data policy, banners) is written anew.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ConfigError, RunConfig, resolve
from ..prepare import (DataUnavailableError, Prepared, build_store, demo_snapshots, known_region_codes,
                       snapshot_labels, store_status)

INPUTS_DIR = "inputs"  # inside a store (= chapter.INPUTS_DIR; not imported from there to keep pandas out)
STORE_CACHE_VERSION = 1


class InputError(ValueError):
    """Partner inputs are invalid; the message lists every problem."""


@dataclass
class RunData:
    prepared: Prepared
    gemeente_naam: str
    source_labels: dict[str, str]
    input_labels: list[str] = field(default_factory=list)
    from_cache: bool = False  # the store came from the store cache (nothing was normalised)


def fetch_requests(config: RunConfig) -> list:
    """What to download for a run: gemeente rows for the comparison set, the gemeente's own buurten."""
    from ..sources.fetch import FetchRequest
    from ..sources.tables import TABLES

    regions = config.all_gemeenten() + [g.code for g in config.gemeenten] + [config.vergelijking.nederland]
    if config.vergelijking.provincie is not None:
        regions.append(config.vergelijking.provincie.code)
    requests = []
    for table_id, spec in TABLES.items():
        if spec.region_level == "buurten":
            requests.append(FetchRequest(table_id, gemeente=config.gemeente))
        else:
            requests.append(FetchRequest(table_id, regions=tuple(dict.fromkeys(regions))))
    return requests


ODATA_URL_ENV = "VA_ODATA_URL"


def default_endpoint(url: str | None = None):
    """Where a run or a fetch reads the open data: ``url`` (``--odata-url``), else the environment
    variable ``VA_ODATA_URL``, else the real CBS/politie hosts.

    With a URL, every host is asked under it as ``URL/<host>/ODataFeed/odata/<table>/...``
    (:meth:`OdataEndpoint.at`: mirrors, proxies, tests). Few retries either way, so a failing server
    falls back within seconds.
    """
    from ..sources.odata import OdataEndpoint

    url = (url or os.environ.get(ODATA_URL_ENV, "")).strip()
    options = dict(retries=2, backoff=1.0, timeout=(10, 120))
    return OdataEndpoint.at(url, **options) if url else OdataEndpoint(**options)


@dataclass
class Selection:
    snapshots: dict
    demo: bool
    stale: bool
    messages: list[str]
    origins: dict[str, str]


def select_snapshots(config: RunConfig, root: Path, policy: str, endpoint=None) -> Selection:
    """Snapshots per table and the banner texts that go with them, following the data policy.

    ``fresh`` falls back to the newest cached snapshot when a download fails; when there is no
    cache at all (a new machine without network) it falls back to the demo data, with the demo
    banner on every page. ``require-fresh`` never falls back.
    """
    from ..sources.policy import DataUnavailable, resolve_sources

    cache_root = resolve(root, config.data.cache)
    demo_root = resolve(root, config.data.demo)
    requests = fetch_requests(config)
    endpoint = endpoint or default_endpoint()
    extra: list[str] = []
    try:
        resolution = resolve_sources(policy, requests, cache_root, demo_root, endpoint=endpoint,
                                     max_age_days=config.data.max_leeftijd_dagen)
    except DataUnavailable as exc:
        if policy != "fresh":
            raise DataUnavailableError(str(exc)) from None
        resolution = resolve_sources("demo", requests, cache_root, demo_root)
        extra.append("Verse gegevens konden niet worden opgehaald en er zijn geen eerder opgehaalde gegevens; "
                     "daarom zijn de demodata gebruikt.")
    # The demo banner itself is the runner's; keep the policy's other texts (fallback, age).
    messages = extra + [b for b in resolution.banners if not b.startswith("Demodata")]
    origins = {t: r.origin for t, r in resolution.tables.items()}
    return Selection(resolution.snapshots, resolution.demo, resolution.stale, messages, origins)


def check_regions(config: RunConfig, known: set[str]) -> None:
    """Every gemeente in the config must exist in the data's region list (errors name the key)."""
    if not known:
        return
    listed = [g.code for g in config.gemeenten]
    for i, code in enumerate(listed):
        if code not in known:
            raise ConfigError(config.source, f"gemeenten[{i}]",
                              f"unknown gemeente code {code}: not in the region list of the data")
    if config.gemeente not in known:
        raise ConfigError(config.source, "gemeente",
                          f"unknown gemeente code {config.gemeente}: not in the region list of the data")
    for key, group in (("regio", config.vergelijking.regio), ("provincie", config.vergelijking.provincie),
                       ("peers", config.vergelijking.peers)):
        if group is None:
            continue
        for i, code in enumerate(group.gemeenten):
            if code not in known:
                raise ConfigError(config.source, f"vergelijking.{key}.gemeenten[{i}]",
                                  f"unknown gemeente code {code}: not in the region list of the data")


def prepare_run_data(config: RunConfig, root: Path, options, work_dir: Path,
                     cache_dir: Path | None = None) -> RunData:
    policy = options.policy or ("fresh" if options.fetch else config.data.beleid)
    selection = select_snapshots(config, root, policy, options.endpoint)
    snapshots = selection.snapshots
    known = known_region_codes(snapshots)
    check_regions(config, known)
    naam = config.naam or _region_name(snapshots, config.gemeente) or config.gemeente
    cache_key = store_cache_key(config, root, naam, snapshots) if cache_dir is not None else None
    if cache_key is not None:
        cached = _from_cache(cache_dir / cache_key, work_dir, selection, snapshots, known, naam)
        if cached is not None:
            return cached
    inputs = read_partner_inputs(config, root, naam, snapshots)
    input_files = {_relative(path, root): digest for path, digest in (inputs.files if inputs else {}).items()}
    status = build_store(config, root, work_dir, snapshots, demo=selection.demo,
                         stale=selection.stale or bool(selection.messages), messages=selection.messages,
                         origins=selection.origins,
                         input_observations=inputs.observations if inputs is not None else None,
                         inputs_missing=tuple(inputs.missing) if inputs is not None else (),
                         input_files=input_files)
    if inputs is not None:
        write_partner_inputs(work_dir / INPUTS_DIR, inputs)
    prepared = Prepared(store_dir=work_dir, status=status, snapshots=snapshots, region_codes=known,
                        input_files=input_files, stories=dict(inputs.stories) if inputs else {})
    labels = snapshot_labels(snapshots)
    partner_labels = {}
    if inputs is not None:
        partner_labels = {f"partner:{Path(path).stem}": f"Partnerbestand {Path(path).name} (sha256 {digest[:12]}…)"
                          for path, digest in inputs.files.items()}
        labels.update(partner_labels)
    if cache_key is not None:
        _to_cache(cache_dir, cache_key, work_dir, {"input_files": input_files, "partner_labels": partner_labels,
                                                   "inputs_missing": list(status.inputs_missing)})
    return RunData(prepared=prepared, gemeente_naam=naam, source_labels=labels)


# ------------------------------------------------------------------------------------ store cache

def store_cache_key(config: RunConfig, root: Path, naam: str, snapshots) -> str:
    """What a store is made of (see the module docstring)."""
    from .incremental import _digest, dependency_versions, sha256_file, store_code_hash

    folder = inputs_folder(config, root, naam) if config.invoer_map is not None else None
    files = {}
    if folder is not None and folder.is_dir():
        files = {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    versions = dependency_versions()
    return _digest({
        "v": STORE_CACHE_VERSION,
        "snapshots": {t: [s.snapshot_id, s.provenance.get("sha256"), str(s.path)] for t, s in sorted(snapshots.items())},
        "inputs": {"folder": str(folder) if folder else None, "files": files, "bestanden": config.invoer_bestanden,
                   "tabbladen": config.invoer_tabbladen},
        "gemeente": config.gemeente, "naam": naam, "code": store_code_hash(),
        "dependencies": {k: versions.get(k) for k in ("pandas", "pyarrow", "numpy", "openpyxl", "python")},
    })


def _link_tree(src: Path, dst: Path) -> None:
    """Hard-link every file of ``src`` into ``dst`` (copy where links are impossible)."""
    for path in src.rglob("*"):
        if path.is_dir():
            continue
        target = dst / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copy2(path, target)


def _from_cache(entry: Path, work_dir: Path, selection: Selection, snapshots, known: set[str],
                naam: str) -> RunData | None:
    meta_file = entry / "meta.json"
    if not meta_file.is_file():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        work_dir.mkdir(parents=True, exist_ok=True)
        _link_tree(entry / "store", work_dir)
    except (OSError, ValueError):
        shutil.rmtree(work_dir, ignore_errors=True)
        return None
    os.utime(entry)  # most recently used: kept longest by the cache's retention
    status = store_status(snapshots, demo=selection.demo, stale=selection.stale or bool(selection.messages),
                          messages=selection.messages, inputs_missing=tuple(meta.get("inputs_missing", ())),
                          origins=selection.origins, input_files=meta.get("input_files", {}))
    (work_dir / "status.json").write_text(json.dumps(status.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
    stories_dir = work_dir / INPUTS_DIR / "stories"
    stories = {p.stem: p.read_text(encoding="utf-8") for p in sorted(stories_dir.glob("*.md"))} \
        if stories_dir.is_dir() else {}
    prepared = Prepared(store_dir=work_dir, status=status, snapshots=snapshots, region_codes=known,
                        input_files=dict(meta.get("input_files", {})), stories=stories)
    labels = snapshot_labels(snapshots)
    labels.update(meta.get("partner_labels", {}))
    return RunData(prepared=prepared, gemeente_naam=naam, source_labels=labels, from_cache=True)


def _to_cache(cache_dir: Path, key: str, work_dir: Path, meta: dict) -> None:
    """Keep the store just built (linked, not copied) for the next run; never fails the run."""
    entry = cache_dir / key
    if entry.exists():
        return
    tmp = cache_dir / f".tmp-{key[:16]}-{uuid.uuid4().hex[:6]}"
    try:
        (tmp / "store").mkdir(parents=True)
        for path in work_dir.rglob("*"):
            if path.is_dir() or path.name == "status.json":
                continue
            target = tmp / "store" / path.relative_to(work_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, target)
            except OSError:
                shutil.copy2(path, target)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
        os.rename(tmp, entry)
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_partner_inputs(config: RunConfig, root: Path, naam: str, snapshots):
    """Validate and read the partner files; every problem at once, before any kernel starts."""
    if config.invoer_map is None:
        return None
    from ..sources.inputs import InputsConfig, InputValidationError, load_inputs

    folder = inputs_folder(config, root, naam)
    if folder is None:
        return None
    inputs_config = InputsConfig(folder, files=config.invoer_bestanden, sheets=config.invoer_tabbladen)
    try:
        return load_inputs(inputs_config, config.gemeente, naam, **_known_gemeenten_kwarg(snapshots))
    except InputValidationError as exc:
        raise InputError(str(exc)) from None


def inputs_folder(config: RunConfig, root: Path, naam: str) -> Path | None:
    """The partner-input folder; ``{naam}``/``{gemeente}`` in the config name one folder per gemeente.

    With a placeholder, a gemeente without a folder simply has no partner inputs (its chapters say
    what is missing); a literal folder that does not exist is left to the inputs check (an error).
    """
    template = str(config.invoer_map)
    slug = re.sub(r"[^a-z0-9]+", "-", naam.lower()).strip("-")
    folder = resolve(root, Path(template.replace("{naam}", slug).replace("{gemeente}", config.gemeente)))
    if template != str(folder) and ("{naam}" in template or "{gemeente}" in template) and not folder.exists():
        return None
    return folder


def _known_gemeenten_kwarg(snapshots) -> dict:
    """Gemeente names from the data's own region lists, for the partner files' wrong-gemeente check."""
    try:
        from ..sources.inputs import known_gemeenten_from_snapshots
    except ImportError:
        return {}
    return {"known_gemeenten": known_gemeenten_from_snapshots(snapshots.values())}


def write_partner_inputs(folder: Path, inputs) -> None:
    """Partner detail tables, the buurt->kern mapping and the stories, next to the store."""
    (folder / "tables").mkdir(parents=True, exist_ok=True)
    (folder / "stories").mkdir(parents=True, exist_ok=True)
    for name, table in inputs.tables.items():
        table.to_parquet(folder / "tables" / f"{name}.parquet", index=False)
    if inputs.kern_mapping is not None:
        inputs.kern_mapping.to_parquet(folder / "tables" / "kernen.parquet", index=False)
    for chapter, text in inputs.stories.items():
        (folder / "stories" / f"{chapter}.md").write_text(text, encoding="utf-8")


def _relative(path, root: Path) -> str:
    path = Path(path)
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return path.name


def _region_name(snapshots, code: str) -> str | None:
    for table_id in ("47013NED", "03759ned"):
        snap = snapshots.get(table_id)
        if snap is None:
            continue
        for member in snap.metadata.get("dimensions", {}).get("RegioS", []):
            if str(member["Key"]).strip() == code:
                return str(member.get("Title", code)).strip()
    return None
