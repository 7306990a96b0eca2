"""The observation store of one run and ``load``: the one entry point notebooks use to get figures.

The store is built once per run (normalised snapshots + partner inputs, written as parquet with a
``status.json`` describing which snapshots it rests on) and read once per chapter. ``Dataset`` adds
the comparison set of the run config: the gemeente, its region (basisteam), its provincie, its
peers and the Netherlands, with group totals summed from their member gemeenten when a table has
no row for the group itself.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .. import observations as obs
from ..config import RegionGroup, RunConfig
from ..indicators import indicator as get_indicator
from ..sources.boundaries import SOURCE_ID as BOUNDARY_SOURCE
from ..sources.boundaries import STORE_FILE as BOUNDARIES_FILE
from . import peers

STORE_FILE = "observations.parquet"
STATUS_FILE = "status.json"
# A provincie group derived from CBS Gebieden in Nederland for a config that names none:
# {"provincie": {"code", "naam", "gemeenten", "bron"}}; applied by ``load``.
DERIVED_FILE = "vergelijking.json"
# The boundaries of the run's wijken, buurten and surrounding gemeenten (RD New GeoJSON, simplified for
# print), written by the data step from the wijk- en buurtkaart source; read by ``Dataset.boundaries``.
# BOUNDARIES_FILE and BOUNDARY_SOURCE (its source id in the data status) are defined once, in
# sources.boundaries (STORE_FILE, SOURCE_ID), and imported above.
LEVELS = ("gemeente", "wijk", "buurt")

DENOMINATOR_INDICATOR = {"inwoners": "bevolking", "jongeren_12_17": "jongeren_12_17", "woningen": "woningen"}
ROLE_ORDER = ["gemeente", "regio", "provincie", "peers", "nederland", "peer", "buur"]


# DataStatus (what a store rests on) lives in .status, without pandas, for the runner; same class.
from .status import DataStatus  # noqa: E402


def write_store(folder: Path, observations: pd.DataFrame, status: DataStatus, provincie: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if provincie is not None:
        (folder / DERIVED_FILE).write_text(json.dumps({"provincie": provincie}, ensure_ascii=False), encoding="utf-8")
    obs.validate(observations)
    path = folder / STORE_FILE
    tmp = folder / (STORE_FILE + ".tmp")
    observations.to_parquet(tmp, index=False)
    tmp.replace(path)
    (folder / STATUS_FILE).write_text(json.dumps(status.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def read_store(folder: Path) -> tuple[pd.DataFrame, DataStatus]:
    df = pd.read_parquet(folder / STORE_FILE)
    df = obs.conform(df)
    status = DataStatus.from_json(json.loads((folder / STATUS_FILE).read_text(encoding="utf-8")))
    return df, status


class Dataset:
    """Observations of one run, seen through its comparison set."""

    def __init__(self, observations: pd.DataFrame, config: RunConfig, status: DataStatus, store: Path | None = None):
        # Text columns as plain Python objects: chapters filter and merge small frames thousands of
        # times, and the Arrow-backed string dtype is about twice as slow for that.
        text = [c for c, dtype in obs.COLUMNS.items() if dtype == "string"]
        observations = observations.astype(dict.fromkeys(text, object))
        self.observations = observations
        self.config = peers.resolve(config, observations)  # the peer group of this gemeente, never another's
        self.status = status
        self._family = None  # the report's family of tests (stats.signals.Family), see chapters.family
        self._family_loader = None
        # Not dict(groupby): a GroupBy has a `keys` attribute, so dict() would take it for a mapping.
        self._by_indicator = {k: v for k, v in observations.groupby("indicator", sort=False)}  # noqa: C416
        # Memoised lookups: chapters ask for the same series and denominators many times.
        self._base: dict[tuple[str, bool], pd.DataFrame] = {}
        self._counts: dict[tuple, pd.DataFrame] = {}
        self._denominators: dict[tuple, pd.DataFrame] = {}
        self._store = Path(store) if store is not None else None
        self._boundaries: dict | None = None  # the store's boundaries file, read on first use

    # ------------------------------------------------------------------ boundaries for maps
    boundary_source = BOUNDARY_SOURCE  # for Chapter.sources, captions and the DEMO mark of a map

    def boundaries(self, niveau: str) -> list:
        """The run's areas of one level as ``maps.Gebied`` (RD New, simplified for print): "wijk" and
        "buurt" of the gemeente, "gemeente" for the gemeente and those around it (basisteam,
        provincie). Empty when the run has no boundaries (a run never fails for want of maps)."""
        if niveau not in LEVELS:
            raise ValueError(f"onbekend niveau {niveau!r} voor grenzen; kies uit {', '.join(LEVELS)}")
        from ..maps.boundaries import areas_from_geojson

        data = self._boundary_data()
        if not data:
            return []
        return areas_from_geojson(data, self._store / BOUNDARIES_FILE, niveau=niveau)

    @property
    def boundary_year(self) -> int | None:
        """The year of the wijk- en buurtkaart the boundaries come from (for "Bron: Kadaster / CBS <jaar>")."""
        year = (self._boundary_data() or {}).get("jaar")
        return int(year) if year else None

    def _boundary_data(self) -> dict:
        if self._boundaries is None:
            path = self._store / BOUNDARIES_FILE if self._store is not None else None
            try:
                self._boundaries = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else {}
            except (OSError, ValueError) as exc:
                raise ValueError(f"{path}: grenzen niet te lezen ({exc})") from exc
        return self._boundaries

    # ------------------------------------------------------------------ the family of tests
    @property
    def family(self):
        """The report's family of tests, loaded on first use (chapters that print no verdict never pay
        for it); None while the family itself is being computed, or when nobody attached one."""
        if self._family is None and self._family_loader is not None:
            loader, self._family_loader = self._family_loader, None
            self._family = loader(self)
        return self._family

    @family.setter
    def family(self, family) -> None:
        self._family, self._family_loader = family, None

    def load_family_with(self, loader) -> None:
        """``loader(dataset)`` gives the family when it is first needed."""
        self._family, self._family_loader = None, loader

    def without_family(self) -> Dataset:
        """The same data (and memoised lookups) without a family: every test uncorrected."""
        raw = copy.copy(self)
        raw._family, raw._family_loader = None, None
        return raw

    # ------------------------------------------------------------------ regions
    @property
    def gemeente(self) -> str:
        return self.config.gemeente

    def region_name(self, code: str) -> str:
        for group in self.config.vergelijking.groups():
            if group.code == code:
                return group.naam
        names = self.observations.loc[self.observations["regio_code"] == code, "regio_naam"]
        return str(names.iloc[0]) if len(names) else code

    @property
    def gemeente_naam(self) -> str:
        return self.config.naam or self.region_name(self.gemeente)

    def comparison_roles(self) -> dict[str, str]:
        """Region code -> role in the comparison (gemeente, regio, provincie, peers, nederland)."""
        roles = {self.gemeente: "gemeente"}
        verg = self.config.vergelijking
        if verg.regio:
            roles[verg.regio.code] = "regio"
        if verg.provincie:
            roles[verg.provincie.code] = "provincie"
        if verg.peers:
            roles[verg.peers.code] = "peers"
        roles[verg.nederland] = "nederland"
        return roles

    def group_members(self, group: RegionGroup) -> list[str]:
        """The gemeenten whose sum is a group's figure: the peers never include the gemeente itself
        (its peer line compares it with others); basisteam and provincie include it, as they do."""
        peers = self.config.vergelijking.peers
        if peers is not None and group.code == peers.code:
            return [c for c in group.gemeenten if c != self.gemeente]
        return list(group.gemeenten)

    # ------------------------------------------------------------------ raw series
    def series(
        self,
        indicator_id: str,
        regions: Iterable[str] | None = None,
        monthly: bool = False,
        years: tuple[int, int] | None = None,
    ) -> pd.DataFrame:
        """Observations of one indicator (yearly unless ``monthly``), for regions incl. group codes."""
        df = self._base_series(indicator_id, monthly)
        if years:
            df = df[(df["jaar"] >= years[0]) & (df["jaar"] <= years[1])]
        if regions is None:
            return df.reset_index(drop=True)
        regions = list(regions)
        groups = {g.code: g for g in self.config.vergelijking.groups()}
        direct = df[df["regio_code"].isin(regions)]
        frames = [direct]
        for code in regions:
            if code in groups and code not in set(direct["regio_code"]):
                frames.append(self._group_sum(df, groups[code], indicator_id))
        out = (
            pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else obs.empty()
        )
        return out.reset_index(drop=True)

    def _base_series(self, indicator_id: str, monthly: bool) -> pd.DataFrame:
        """All yearly (or monthly) rows of an indicator, one per region and period; memoised."""
        key = (indicator_id, monthly)
        if key not in self._base:
            get_indicator(indicator_id)  # unknown ids fail loudly
            df = self._by_indicator.get(indicator_id, obs.empty())
            df = df[df["maand"].notna()] if monthly else df[df["maand"].isna()]
            self._base[key] = prefer_open_data(df)
        return self._base[key]

    def _group_sum(self, df: pd.DataFrame, group: RegionGroup, indicator_id: str) -> pd.DataFrame:
        """A group's yearly total as the sum of its members; unknown when a member is missing or unknown."""
        ind = get_indicator(indicator_id)
        if ind.unit != "aantal":
            return obs.empty()  # percentages and scores cannot be summed
        codes = self.group_members(group)
        members = df[df["regio_code"].isin(codes)]
        if members.empty:
            return obs.empty()
        keys = ["jaar", "maand"]
        grouped = members.assign(voorlopig=members["status"] == "voorlopig").groupby(keys, dropna=False)
        # min_count = number of members: a missing or unknown member makes the group total unknown.
        agg = grouped["waarde"].sum(min_count=len(codes)).to_frame()
        agg["status"] = np.where(grouped["voorlopig"].any(), "voorlopig", "definitief")
        agg["bron"] = grouped["bron"].first()
        agg["snapshot"] = grouped["snapshot"].first()
        agg = agg.reset_index()
        agg.loc[agg["waarde"].isna(), "status"] = "onbekend"
        agg["indicator"] = indicator_id
        agg["regio_code"] = group.code
        agg["regio_naam"] = group.naam
        agg["regio_soort"] = "groep"
        return obs.conform(agg)

    # ------------------------------------------------------------------ counts with their denominators
    def counts(
        self,
        indicator_id: str,
        regions: Iterable[str],
        years: tuple[int, int] | None = None,
        denominator: str | None = None,
    ) -> pd.DataFrame:
        """Yearly counts with their denominator: regio_code, regio_naam, jaar, aantal, noemer, status.

        The denominator is the indicator's own (inwoners, jongeren 12-17, woningen) unless given.
        Woningen are only published for some years: the nearest published year is used, and a
        missing woningvoorraad falls back to inwoners (``noemer_soort`` says which was used).
        """
        years = years or (self.config.jaar_van, self.config.jaar_tot)
        key = (indicator_id, tuple(regions), tuple(years), denominator)
        if key not in self._counts:
            self._counts[key] = self._counts_uncached(indicator_id, list(regions), tuple(years), denominator)
        return self._counts[key].copy()

    def _counts_uncached(
        self, indicator_id: str, regions: list[str], years: tuple[int, int], denominator: str | None
    ) -> pd.DataFrame:
        ind = get_indicator(indicator_id)
        counts = self.series(indicator_id, regions, years=years)
        counts = counts[["regio_code", "regio_naam", "jaar", "waarde", "status"]].rename(columns={"waarde": "aantal"})
        kind = denominator or ind.denominator
        if kind == "none":
            counts["noemer"] = np.nan
            counts["noemer_soort"] = "none"
            return counts
        den = self._denominator(kind, regions, years)
        used = kind
        if kind == "woningen" and den["noemer"].isna().all():
            den = self._denominator("inwoners", regions, years)
            used = "inwoners"
        out = counts.merge(den, on=["regio_code", "jaar"], how="left")
        out["noemer_soort"] = used
        return out

    def _denominator(self, kind: str, regions: list[str], years: tuple[int, int]) -> pd.DataFrame:
        key = (kind, tuple(regions), tuple(years))
        if key not in self._denominators:
            self._denominators[key] = self._denominator_uncached(kind, regions, years)
        return self._denominators[key]

    def _denominator_uncached(self, kind: str, regions: list[str], years: tuple[int, int]) -> pd.DataFrame:
        den_id = DENOMINATOR_INDICATOR[kind]
        den = self.series(den_id, regions)
        if den_id == "woningen" and len(den):
            # Nearest published year for every requested year (woningvoorraad changes slowly).
            rows = []
            for code, part in den.groupby("regio_code"):
                part = part.dropna(subset=["waarde"])
                for year in range(years[0], years[1] + 1):
                    if part.empty:
                        continue
                    nearest = part.iloc[(part["jaar"] - year).abs().argsort().iloc[0]]
                    rows.append({"regio_code": code, "jaar": year, "noemer": nearest["waarde"]})
            return pd.DataFrame(rows, columns=["regio_code", "jaar", "noemer"])
        den = den[(den["jaar"] >= years[0]) & (den["jaar"] <= years[1])]
        return den[["regio_code", "jaar", "waarde"]].rename(columns={"waarde": "noemer"})


def prefer_open_data(df: pd.DataFrame) -> pd.DataFrame:
    """One figure per region and period: the published table wins; a partner file fills gaps.

    Some indicators come from both (E33 from politie open data and from a politie export;
    Veiligheidsmonitor rows for Nederland in CBS 85146NED and in the gemeente's own export).
    """
    if df.empty or not (df["status"] == "partner").any():
        return df
    # Known published figure first, then a known partner figure, then unknown cells ('.').
    rank = (df["status"] == "partner").astype(int) + 2 * df["waarde"].isna().astype(int)
    ranked = df.assign(_rank=rank).sort_values("_rank", kind="stable")
    return ranked.drop_duplicates(["regio_code", "jaar", "maand"], keep="first").drop(columns="_rank").sort_index()


def load(store: str | Path, config: RunConfig) -> Dataset:
    """Read a run's observation store for the config's comparison set."""
    df, status = read_store(Path(store))
    return Dataset(df, with_derived_provincie(config, Path(store)), status, store=Path(store))


def derived_provincie(store: Path) -> dict | None:
    """The provincie group the data step derived for this store (``DERIVED_FILE``), or None."""
    path = Path(store) / DERIVED_FILE
    return json.loads(path.read_text(encoding="utf-8")).get("provincie") if path.exists() else None


def with_derived_provincie(config: RunConfig, store: Path) -> RunConfig:
    """``config`` with the provincie the data step derived, when the config names none."""
    import dataclasses

    group = derived_provincie(store) if config.vergelijking.provincie is None else None
    if group is None or config.gemeente not in group["gemeenten"]:
        return config
    provincie = RegionGroup(
        code=group["code"],
        naam=group["naam"],
        gemeenten=tuple(group["gemeenten"]),
        reden=f"De provincie van de gemeente volgens {group['bron']}.",
    )
    return dataclasses.replace(config, vergelijking=dataclasses.replace(config.vergelijking, provincie=provincie))
