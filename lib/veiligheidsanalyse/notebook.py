"""What a notebook opens: a chapter's page over the run's store, or the region of a regional report.

A chapter notebook does::

    ch = va.open_chapter("01_criminaliteit", gemeente=gemeente, config=config, run_dir=run_dir, store=store)

and the regional notebook ``notebooks/regio/regio.ipynb``::

    region = open_region(config=config, stores=stores, run_dir=run_dir)

With the defaults (``run_dir=""``, ``store=""`` / ``stores=""``) a notebook runs on its own in
JupyterLab: the store is built from the newest local snapshots (or the demo data) into
``outputs/interactief/``.
"""

from __future__ import annotations

import json
from pathlib import Path

from .chapters import family
from .chapters.page import Chapter
from .chapters.regio import CHAPTER_ID as REGION_CHAPTER_ID
from .chapters.regio import Region
from .config import RunConfig, load_config, resolve
from .paths import intern_dir, project_root
from .store.build import DataOptions, prepare_run_data
from .store.dataset import load
from .store.status import DataStatus
from .text import slug


def _config_path(root: Path, config: str) -> Path:
    """The notebook's ``config`` parameter as a file: as given, or relative to the project."""
    config_path = Path(config)
    if not config_path.is_absolute() and not config_path.exists():
        config_path = resolve(root, config_path)
    return config_path


def _interactive_store(config: RunConfig, root: Path) -> Path:
    """Build (or reuse) a store from local data when a notebook runs on its own."""
    policy = "demo" if config.data.beleid == "demo" else "cache"
    folder = root / "outputs" / "interactief" / config.gemeente / "data"
    try:
        data = prepare_run_data(config, root, DataOptions(policy=policy), work_dir=folder)
    except Exception:
        if policy == "demo":
            raise
        data = prepare_run_data(config, root, DataOptions(policy="demo"), work_dir=folder)
    return data.prepared.store_dir


def open_chapter(chapter_id: str, gemeente: str, config: str, run_dir: str = "", store: str = "") -> Chapter:
    """Validate the notebook's parameters and open the run's data for this chapter."""
    root = project_root()
    run_config = load_config(_config_path(root, config), gemeente=gemeente or None)
    store_dir = Path(store) if store else _interactive_store(run_config, root)
    dataset = load(store_dir, run_config)
    out = Path(run_dir) if run_dir else root / "outputs" / "interactief" / run_config.gemeente
    # The Dataset's config: its peer group settled for this gemeente (derived when the file has none).
    chapter = Chapter(
        id=chapter_id,
        config=dataset.config,
        data=dataset,
        run_dir=out,
        findings_dir=intern_dir(out) / "findings",
        store_dir=store_dir,
        interactive=not run_dir,
    )
    # A run's store is the run's own: the family is kept there for the other chapters. A notebook
    # on its own computes it (its store is rebuilt for whatever configuration it is opened with).
    family.use(chapter.data, chapter.store_dir if store else None)
    return chapter


def open_region(config: str, stores: str | dict = "", run_dir: str = "") -> Region:
    """The region of a config for several gemeenten, each gemeente from its own store.

    ``stores``: JSON (or a dict) gemeente code -> store folder, as the runner passes it; empty when
    the notebook runs on its own in JupyterLab (stores are then built from local data).
    """
    root = project_root()
    config_path = _config_path(root, config)
    multi = load_config(config_path)
    if multi.regio_rapport is None:
        raise ValueError(f"{config_path}: geen regionaal rapport; de configuratie noemt geen lijst 'gemeenten'")
    report = multi.regio_rapport
    store_map = json.loads(stores) if isinstance(stores, str) and stores.strip() else dict(stores or {})
    datasets, names = {}, {}
    for code in report.gemeenten:
        cfg = multi.for_gemeente(code)
        store = Path(store_map[code]) if code in store_map else _interactive_store(cfg, root)
        datasets[code] = load(store, cfg)
        names[code] = datasets[code].gemeente_naam
    first = report.gemeenten[0]
    out = Path(run_dir) if run_dir else root / "outputs" / "interactief" / slug(report.naam)
    first_store = Path(store_map[first]) if first in store_map else intern_dir(out) / "data"
    ch = Chapter(
        id=REGION_CHAPTER_ID,
        config=datasets[first].config,
        data=datasets[first],
        run_dir=out,
        findings_dir=intern_dir(out) / "findings",
        store_dir=first_store,
        data_status=DataStatus.merged(ds.status for ds in datasets.values()),
    )
    links = {code: f"../../{slug(names[code])}/latest/index.html" for code in report.gemeenten}
    return Region(
        report=report, config=datasets[first].config, datasets=datasets, names=names, ch=ch, report_links=links
    )
