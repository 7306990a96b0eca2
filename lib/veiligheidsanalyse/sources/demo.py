"""Seeded generator of the demo snapshot in ``data/demo/``.

The demo data has exactly the format of the fetched-data cache (see ``sources.snapshots``) and the
shape of the real CBS/politie tables — space-padded keys, ``2022JJ00``/``2022MM01`` periods,
``"."`` for suppressed cells, values as strings as in the UntypedDataSet — with plausible
magnitudes (Westerveld about 20,000 inhabitants, about 18 registered crimes per 1,000). The
numbers are invented: every page built from them carries a demo banner.

What the demo covers, so that a run for any of these gemeenten works offline:

- the 12 Drenthe gemeenten with their real CBS wijken (codes and names of the wijkindeling 2023) and
  invented buurten nested in them (``BU`` + the wijk's six digits + two), in the Kerncijfers wijken
  en buurten and the politie buurt tables, and monthly crime figures;
- a pool of gemeenten in every other provincie (real codes and names; inhabitants, land area,
  omgevingsadressendichtheid and stedelijkheid of the right order of size), with yearly rows in the
  tables that compare gemeenten (population, crime, overlast, CBS crime, Veilig Thuis, Kerncijfers);
- Nederland and the inhabitants of the 12 provincies.

Stability: the gemeenten of the first demo (``FIRST_DEMO``) draw from one shared random stream in
the original order, so their numbers do not change when gemeenten are added; everything added
draws from a stream of its own, seeded by ``SEED``, the gemeente code and the table.

Run ``python -m veiligheidsanalyse.sources.demo data/demo`` to regenerate; a test checks that the
committed snapshot equals a fresh generation.
"""

from __future__ import annotations

import math
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..dates import MONTHS_NL
from .snapshots import write_snapshot
from .tables import TABLES

SEED = 1701
FIRST_YEAR = 2015
LAST_YEAR = 2025  # last complete year in the demo
MONTHS_UNTIL = (2026, 10)  # politie monthly figures up to and including this month
DEMO_SNAPSHOT_ID = "demo"
RETRIEVED_AT = "2026-11-01T06:00:00+00:00"  # fixed, so the demo is reproducible byte for byte


@dataclass(frozen=True)
class Gemeente:
    code: str
    naam: str
    provincie: str
    inwoners_2025: int
    misdaad_factor: float  # crime level relative to the Netherlands
    oad: int  # omgevingsadressendichtheid (addresses per km²) in the Kerncijfers
    land_ha: int  # land area in the Kerncijfers


DRENTHE = "PV22"
# The gemeenten of the first demo, in their original order. Their numbers come from the shared random
# stream and must stay as they are (tests and documentation quote them): change nothing here, add
# gemeenten to ADDED. (OAD and land area are the values the first demo computed: for Westerveld 310
# addresses per km² and 28,300 ha; elsewhere 1,400 above 50,000 inhabitants, else 480, and
# 20,000 + 200 * (code % 97) ha.)
FIRST_DEMO: tuple[Gemeente, ...] = (
    Gemeente("GM1701", "Westerveld", DRENTHE, 20_150, 0.40, 310, 28_300),
    Gemeente("GM1690", "De Wolden", DRENTHE, 24_700, 0.42, 480, 28_200),
    Gemeente("GM0118", "Hoogeveen", DRENTHE, 56_900, 0.88, 1400, 24_200),
    Gemeente("GM0119", "Meppel", DRENTHE, 36_100, 0.80, 480, 24_400),
    Gemeente("GM1731", "Midden-Drenthe", DRENTHE, 34_300, 0.55, 480, 36_400),
    Gemeente("GM1680", "Aa en Hunze", DRENTHE, 26_000, 0.48, 480, 26_200),
    Gemeente("GM0106", "Assen", DRENTHE, 69_500, 1.00, 1400, 21_800),
    Gemeente("GM1681", "Borger-Odoorn", DRENTHE, 26_100, 0.60, 480, 26_400),
    Gemeente("GM0109", "Coevorden", DRENTHE, 35_900, 0.66, 480, 22_400),
    Gemeente("GM0114", "Emmen", DRENTHE, 108_300, 0.92, 1400, 23_400),
    Gemeente("GM1699", "Noordenveld", DRENTHE, 33_000, 0.50, 480, 30_000),
    Gemeente("GM1730", "Tynaarlo", DRENTHE, 34_700, 0.55, 480, 36_200),
    # Peers: niet-stedelijke gemeenten of 15,000-30,000 inhabitants elsewhere in the north-east.
    Gemeente("GM0085", "Ooststellingwerf", "PV21", 26_000, 0.47, 480, 37_000),
    Gemeente("GM0098", "Weststellingwerf", "PV21", 26_400, 0.50, 480, 20_200),
    Gemeente("GM0175", "Ommen", "PV23", 18_200, 0.45, 480, 35_600),
    Gemeente("GM0180", "Staphorst", "PV23", 17_800, 0.33, 480, 36_600),
    Gemeente("GM0183", "Tubbergen", "PV23", 21_600, 0.36, 480, 37_200),
    Gemeente("GM1774", "Dinkelland", "PV23", 26_700, 0.40, 480, 25_600),
)
# The pool from which comparison groups are chosen: gemeenten of every provincie, rural and urban,
# about 12,000 to 375,000 inhabitants. Codes and names are real; inhabitants and land area are of the order
# of the CBS figures for 2024, the crime level follows the registered crime per inhabitant of 2022,
# the omgevingsadressendichtheid is a plausible value for the kind of gemeente (demo values).
ADDED: tuple[Gemeente, ...] = (
    # Groningen (PV20)
    Gemeente("GM0014", "Groningen", "PV20", 244_800, 1.25, 2650, 20_290),
    Gemeente("GM1966", "Het Hogeland", "PV20", 48_400, 0.51, 300, 47_770),
    Gemeente("GM1969", "Westerkwartier", "PV20", 65_100, 0.48, 420, 36_880),
    Gemeente("GM1950", "Westerwolde", "PV20", 26_600, 0.97, 290, 27_650),
    Gemeente("GM1895", "Oldambt", "PV20", 39_500, 0.88, 560, 24_000),
    Gemeente("GM0765", "Pekela", "PV20", 12_600, 0.61, 720, 4_910),
    # Fryslân (PV21)
    Gemeente("GM0080", "Leeuwarden", "PV21", 129_300, 1.18, 1750, 25_670),
    Gemeente("GM0074", "Heerenveen", "PV21", 52_000, 0.72, 820, 20_040),
    Gemeente("GM0090", "Smallingerland", "PV21", 56_900, 0.80, 1020, 12_600),
    Gemeente("GM1900", "Súdwest-Fryslân", "PV21", 90_800, 0.69, 470, 57_570),
    Gemeente("GM0086", "Opsterland", "PV21", 30_200, 0.42, 330, 22_540),
    Gemeente("GM0737", "Tytsjerksteradiel", "PV21", 32_700, 0.43, 390, 16_100),
    # Overijssel (PV23)
    Gemeente("GM0193", "Zwolle", "PV23", 133_700, 1.16, 1850, 11_940),
    Gemeente("GM0153", "Enschede", "PV23", 162_400, 1.38, 2050, 14_220),
    Gemeente("GM0160", "Hardenberg", "PV23", 63_200, 0.59, 520, 31_940),
    Gemeente("GM0148", "Dalfsen", "PV23", 29_800, 0.36, 420, 16_400),
    Gemeente("GM1773", "Olst-Wijhe", "PV23", 18_900, 0.46, 390, 11_710),
    Gemeente("GM1708", "Steenwijkerland", "PV23", 45_600, 0.68, 470, 32_160),
    Gemeente("GM0166", "Kampen", "PV23", 56_400, 0.70, 1100, 14_960),
    Gemeente("GM0141", "Almelo", "PV23", 74_600, 1.29, 1300, 7_170),
    # Flevoland (PV24)
    Gemeente("GM0034", "Almere", "PV24", 227_300, 0.91, 1700, 13_970),
    Gemeente("GM0995", "Lelystad", "PV24", 84_400, 1.07, 1280, 25_530),
    Gemeente("GM0184", "Urk", "PV24", 22_000, 0.46, 1900, 1_310),
    Gemeente("GM0050", "Zeewolde", "PV24", 24_000, 0.73, 620, 25_450),
    # Gelderland (PV25)
    Gemeente("GM0200", "Apeldoorn", "PV25", 168_900, 0.94, 1250, 34_490),
    Gemeente("GM0268", "Nijmegen", "PV25", 187_800, 1.47, 2750, 5_740),
    Gemeente("GM0232", "Epe", "PV25", 33_300, 0.60, 560, 15_610),
    Gemeente("GM0246", "Heerde", "PV25", 19_300, 0.49, 520, 8_040),
    Gemeente("GM0294", "Winterswijk", "PV25", 29_400, 0.89, 640, 13_740),
    Gemeente("GM1876", "Bronckhorst", "PV25", 36_300, 0.44, 300, 28_820),
    Gemeente("GM0228", "Ede", "PV25", 124_000, 0.90, 1050, 32_060),
    Gemeente("GM0301", "Zutphen", "PV25", 49_000, 1.16, 1450, 4_350),
    # Utrecht (PV26)
    Gemeente("GM0344", "Utrecht", "PV26", 375_700, 1.47, 3600, 9_860),
    Gemeente("GM0307", "Amersfoort", "PV26", 162_500, 1.00, 2250, 6_530),
    Gemeente("GM0345", "Veenendaal", "PV26", 69_700, 0.72, 2050, 1_970),
    Gemeente("GM0352", "Wijk bij Duurstede", "PV26", 24_000, 0.40, 930, 4_990),
    Gemeente("GM0331", "Lopik", "PV26", 14_800, 0.56, 410, 7_850),
    # Noord-Holland (PV27)
    Gemeente("GM0392", "Haarlem", "PV27", 168_300, 1.20, 4300, 3_040),
    Gemeente("GM0361", "Alkmaar", "PV27", 112_800, 1.17, 2000, 11_450),
    Gemeente("GM1911", "Hollands Kroon", "PV27", 49_700, 0.54, 360, 37_610),
    Gemeente("GM0498", "Drechterland", "PV27", 20_600, 0.52, 560, 6_030),
    Gemeente("GM0415", "Landsmeer", "PV27", 11_700, 0.88, 900, 2_680),
    Gemeente("GM0448", "Texel", "PV27", 13_900, 0.74, 280, 16_170),
    # Zuid-Holland (PV28)
    Gemeente("GM0546", "Leiden", "PV28", 130_600, 1.13, 4900, 2_470),
    Gemeente("GM0505", "Dordrecht", "PV28", 122_600, 1.13, 2200, 9_640),
    Gemeente("GM0513", "Gouda", "PV28", 76_100, 1.07, 2900, 1_580),
    Gemeente("GM1924", "Goeree-Overflakkee", "PV28", 52_100, 0.67, 460, 26_850),
    Gemeente("GM1978", "Molenlanden", "PV28", 45_500, 0.43, 430, 19_350),
    # Zeeland (PV29)
    Gemeente("GM0687", "Middelburg (Z.)", "PV29", 50_200, 1.01, 1500, 5_010),
    Gemeente("GM0715", "Terneuzen", "PV29", 55_400, 0.79, 720, 26_420),
    Gemeente("GM1676", "Schouwen-Duiveland", "PV29", 34_800, 0.77, 450, 22_980),
    Gemeente("GM1714", "Sluis", "PV29", 23_200, 0.73, 360, 28_040),
    Gemeente("GM0654", "Borsele", "PV29", 23_200, 0.46, 380, 14_300),
    # Noord-Brabant (PV30)
    Gemeente("GM0772", "Eindhoven", "PV30", 247_400, 1.61, 2550, 9_140),
    Gemeente("GM0855", "Tilburg", "PV30", 230_800, 1.38, 2250, 13_120),
    Gemeente("GM0796", "'s-Hertogenbosch", "PV30", 161_400, 1.24, 2100, 11_760),
    Gemeente("GM1728", "Bladel", "PV30", 21_100, 0.61, 560, 7_580),
    Gemeente("GM1724", "Bergeijk", "PV30", 19_300, 0.57, 470, 9_900),
    Gemeente("GM1982", "Land van Cuijk", "PV30", 92_100, 0.67, 560, 35_160),
    Gemeente("GM0828", "Oss", "PV30", 95_000, 1.03, 1050, 17_220),
    # Limburg (PV31)
    Gemeente("GM0935", "Maastricht", "PV31", 125_800, 1.44, 2600, 5_830),
    Gemeente("GM0917", "Heerlen", "PV31", 87_800, 1.49, 2100, 4_690),
    Gemeente("GM0983", "Venlo", "PV31", 104_200, 1.29, 1250, 13_120),
    Gemeente("GM1894", "Peel en Maas", "PV31", 45_700, 0.71, 500, 16_080),
    Gemeente("GM0957", "Roermond", "PV31", 61_000, 1.44, 1300, 7_290),
    Gemeente("GM1883", "Sittard-Geleen", "PV31", 93_000, 1.10, 1350, 8_200),
    Gemeente("GM1729", "Gulpen-Wittem", "PV31", 14_100, 0.73, 460, 7_340),
)
GEMEENTEN: tuple[Gemeente, ...] = FIRST_DEMO + ADDED
_FIRST_CODES = frozenset(g.code for g in FIRST_DEMO)

PROVINCIES = {
    "PV20": "Groningen (PV)",
    "PV21": "Fryslân (PV)",
    "PV22": "Drenthe (PV)",
    "PV23": "Overijssel (PV)",
    "PV24": "Flevoland (PV)",
    "PV25": "Gelderland (PV)",
    "PV26": "Utrecht (PV)",
    "PV27": "Noord-Holland (PV)",
    "PV28": "Zuid-Holland (PV)",
    "PV29": "Zeeland (PV)",
    "PV30": "Noord-Brabant (PV)",
    "PV31": "Limburg (PV)",
}
# The provincies of the first demo: Drenthe is complete, the other two are their demo members scaled up.
FIRST_PROVINCIES = {"PV21": 12.4, "PV22": 1.0, "PV23": 10.9}
# The other provincies: inhabitants on 1 January 2025 of the order of the CBS figure.
PROVINCIE_INWONERS_2025 = {
    "PV20": 600_000,
    "PV24": 455_000,
    "PV25": 2_160_000,
    "PV26": 1_400_000,
    "PV27": 2_990_000,
    "PV28": 3_860_000,
    "PV29": 392_000,
    "PV30": 2_660_000,
    "PV31": 1_120_000,
}
NL_INWONERS_2025 = 18_040_000

# CBS wijken of the Drenthe gemeenten (wijkindeling 2023): (wijk number, CBS name, weight, kind). The
# weight is of the order of the wijk's inhabitants in 2024 and only sets the proportions: the demo
# divides its own gemeente population by it. Kind: a wijk of a town (STAD: buurten, no scattered
# houses), a village with its surroundings (DORP: buurten and, from 600 inhabitants, "Verspreide
# huizen"), or a rural or industrial area without a village of its own (BUITEN: one buurt). Westerveld
# keeps the buurten of the first demo (see FIRST_DEMO_BUURTEN).
STAD, DORP, BUITEN = "stad", "dorp", "buiten"
WIJKEN: dict[str, tuple[tuple[str, str, int, str], ...]] = {
    "GM1680": (
        ("00", "Wijk 00 Annen", 3595, DORP),
        ("01", "Wijk 01 Eext", 1460, DORP),
        ("02", "Wijk 02 Anloo", 395, DORP),
        ("03", "Wijk 03 Gasteren", 385, DORP),
        ("04", "Wijk 04 Anderen", 255, DORP),
        ("05", "Wijk 05 Schipborg", 615, DORP),
        ("06", "Wijk 06 Eexterveen", 475, DORP),
        ("07", "Wijk 07 Spijkerboor", 145, DORP),
        ("08", "Wijk 08 Nieuw-Annerveen", 110, DORP),
        ("09", "Wijk 09 Oud-Annerveen", 120, DORP),
        ("11", "Wijk 11 Annerveenschekanaal", 410, DORP),
        ("12", "Wijk 12 Eexterveenschekanaal", 235, DORP),
        ("13", "Wijk 13 Eexterzandvoort", 125, DORP),
        ("14", "Wijk 14 Gasselte", 1870, DORP),
        ("15", "Wijk 15 Gasselternijveen", 1860, DORP),
        ("16", "Wijk 16 Gasselternijveenschemond", 670, DORP),
        ("17", "Wijk 17 Gieten", 4965, DORP),
        ("18", "Wijk 18 Gieterveen", 1260, DORP),
        ("19", "Wijk 19 Rolde", 4970, DORP),
        ("20", "Wijk 20 Grolloo", 1410, DORP),
        ("21", "Wijk 21 Ekehaar", 530, DORP),
    ),
    "GM0106": (
        ("00", "Centrum", 7160, STAD),
        ("01", "Lariks", 5380, STAD),
        ("02", "Noorderpark", 8275, STAD),
        ("03", "Assen-Oost", 9290, STAD),
        ("04", "Pittelo", 3635, STAD),
        ("05", "Assen-West", 4910, STAD),
        ("06", "Peelo", 6420, STAD),
        ("07", "Marsdijk", 11935, STAD),
        ("08", "Kloosterveen", 11495, STAD),
        ("99", "Buitengebied", 1220, BUITEN),
    ),
    "GM1681": (
        ("00", "Valthe", 1210, DORP),
        ("01", "Valthermond", 3435, DORP),
        ("02", "Westdorp", 125, DORP),
        ("03", "Zandberg", 50, DORP),
        ("79", "1e Exloërmond", 365, DORP),
        ("80", "2e Exloërmond", 2260, DORP),
        ("81", "2e Valthermond", 100, DORP),
        ("82", "Borger", 5025, DORP),
        ("83", "Bronneger", 115, DORP),
        ("84", "Bronnegerveen", 80, DORP),
        ("85", "Buinen", 795, DORP),
        ("86", "Buinerveen", 440, DORP),
        ("87", "Drouwen", 540, DORP),
        ("88", "Drouwenermond", 590, DORP),
        ("89", "Drouwenerveen", 290, DORP),
        ("90", "Ees", 335, DORP),
        ("91", "Eesergroen", 175, DORP),
        ("92", "Eeserveen", 160, DORP),
        ("93", "Ellertshaar", 35, DORP),
        ("94", "Exloërveen", 90, DORP),
        ("95", "Exloo", 1735, DORP),
        ("96", "Klijndijk", 745, DORP),
        ("97", "Nieuw-Buinen", 4965, DORP),
        ("98", "Odoorn", 1955, DORP),
        ("99", "Odoornerveen", 400, DORP),
    ),
    "GM0109": (
        ("10", "Wijk 10 Coevorden", 14590, DORP),
        ("11", "Wijk 11 Steenwijksmoer", 915, DORP),
        ("12", "Wijk 12 Nieuwe Krim", 190, DORP),
        ("13", "Wijk 13 Weijerswold", 85, DORP),
        ("14", "Wijk 14 Vlieghuis en Padhuis", 110, DORP),
        ("20", "Wijk 20 Dalen", 5410, DORP),
        ("30", "Wijk 30 Oosterhesselen", 4345, DORP),
        ("40", "Wijk 40 Sleen", 6835, DORP),
        ("50", "Wijk 50 Zweeloo", 3230, DORP),
    ),
    "GM1690": (
        ("00", "Wijk 00 Zuidwolde", 6365, DORP),
        ("01", "Wijk 01 Alteveer", 795, DORP),
        ("02", "Wijk 02 Kerkenveld", 910, DORP),
        ("03", "Wijk 03 Drogteropslagen", 560, DORP),
        ("04", "Wijk 04 Linde", 595, DORP),
        ("05", "Wijk 05 Fort", 665, DORP),
        ("06", "Wijk 06 Veeningen", 725, DORP),
        ("07", "Wijk 07 Echten", 385, DORP),
        ("08", "Wijk 08 Ruinen", 3575, DORP),
        ("09", "Wijk 09 Eursinge", 120, DORP),
        ("10", "Wijk 10 Ansen", 360, DORP),
        ("11", "Wijk 11 Ruinerwold", 3950, DORP),
        ("12", "Wijk 12 Koekange", 2570, DORP),
        ("13", "Wijk 13 De Wijk", 2985, DORP),
    ),
    "GM0114": (
        ("01", "Wijk 01 Nieuw-Weerdinge", 3375, DORP),
        ("02", "Wijk 02 Roswinkel", 865, DORP),
        ("03", "Wijk 03 Emmer-Compascuum", 7730, DORP),
        ("04", "Wijk 04 Barger-Compascuum", 2040, DORP),
        ("05", "Wijk 05 Nieuw-Dordrecht", 2075, DORP),
        ("06", "Wijk 06 Nieuw-Amsterdam", 4710, DORP),
        ("07", "Wijk 07 Erica", 4750, DORP),
        ("08", "Wijk 08 Klazienaveen", 11945, DORP),
        ("09", "Wijk 09 Zwartemeer", 3080, DORP),
        ("10", "Wijk 10 Schoonebeek", 4910, DORP),
        ("13", "Wijk 13 Veenoord", 2160, DORP),
        ("21", "Wijk 21 Nieuw-Schoonebeek", 1300, DORP),
        ("32", "Wijk 32 Weiteveen", 1655, DORP),
        ("40", "Wijk 40 Emmen-Centrum", 4660, STAD),
        ("41", "Wijk 41 Emmen-Centrum Oost", 3445, STAD),
        ("42", "Wijk 42 Emmermeer", 6030, STAD),
        ("43", "Wijk 43 Angelslo", 7695, STAD),
        ("44", "Wijk 44 Emmerhout", 7085, STAD),
        ("45", "Wijk 45 Emmerschans", 1185, STAD),
        ("46", "Wijk 46 Bargeres", 8900, STAD),
        ("47", "Wijk 47 Rietlanden", 9075, STAD),
        ("48", "Wijk 48 Parc Sandur", 2125, STAD),
        ("49", "Wijk 49 Delftlanden", 2460, STAD),
        ("50", "Wijk 50 Barger-Oosterveld", 2990, STAD),
        ("51", "Wijk 51 Kern Emmen Noord", 1600, STAD),
        ("52", "Wijk 52 Kern Emmen Zuid", 1495, STAD),
        ("53", "Wijk 53 Kern Emmen Industrieterreinen", 30, BUITEN),
    ),
    "GM0118": (
        ("50", "Wijk 50 Hoogeveen", 25735, STAD),
        ("51", "Wijk 51 De Weide", 14175, STAD),
        ("52", "Wijke 52 Fluitenberg", 600, DORP),
        ("53", "Wijk 53 Elim", 2335, DORP),
        ("54", "Wijk 54 Hollandscheveld", 4590, DORP),
        ("55", "Wijk 55 Noordscheschut", 2080, DORP),
        ("56", "Wijk 56 Nieuwlande", 1415, DORP),
        ("57", "Wijk 57 Nieuweroord", 980, DORP),
        ("58", "Wijk 58 Tiendeveen", 670, DORP),
        ("59", "Wijk 59 Stuifzand", 695, DORP),
        ("60", "Wijk 60 Pesse", 1900, DORP),
        ("61", "Wijk 61 Zuideropgaande Nieuw Moscou", 640, DORP),
        ("62", "Wijk 62 Industrie- en verspreide gebieden", 770, BUITEN),
    ),
    "GM0119": (
        ("00", "Centrum", 6175, STAD),
        ("01", "Watertoren", 450, STAD),
        ("02", "Haveltermade", 3870, STAD),
        ("03", "Koedijkslanden", 6480, STAD),
        ("04", "Berggierslanden", 3960, STAD),
        ("05", "Ezinge", 710, STAD),
        ("06", "Oosterboer", 7355, STAD),
        ("07", "Nieuwveenselanden", 1845, STAD),
        ("08", "Blankenstein", 235, STAD),
        ("09", "Industrieterrein Noord", 55, BUITEN),
        ("10", "Industrie Oevers", 195, BUITEN),
        ("11", "Verspreid gebied Meppel", 140, BUITEN),
        ("12", "Nijeveen", 4035, DORP),
        ("13", "Rogat", 305, DORP),
    ),
    "GM1731": (
        ("00", "Wijk 00 Beilen", 11665, DORP),
        ("01", "Wijk 01 Hijken", 1060, DORP),
        ("02", "Wijk 02 Hooghalen", 1540, DORP),
        ("03", "Wijk 03 Wijster", 1095, DORP),
        ("04", "Wijk 04 Spier", 380, DORP),
        ("05", "Wijk 05 Drijber", 485, DORP),
        ("06", "Wijk 06 Smilde", 4570, DORP),
        ("07", "Wijk 07 Bovensmilde", 3370, DORP),
        ("08", "Wijk 08 Hoogersmilde", 1715, DORP),
        ("09", "Wijk 09 Westerbork", 4815, DORP),
        ("10", "Wijk 10 Elp", 450, DORP),
        ("11", "Wijk 11 Witteveen", 600, DORP),
        ("12", "Wijk 12 Nieuw-Balinge", 960, DORP),
        ("13", "Wijk 13 Nieuweroord", 125, DORP),
        ("14", "Wijk 14 Zwiggelte", 470, DORP),
        ("15", "Wijk 15 Orvelte", 230, DORP),
        ("16", "Wijk 16 De Broekstreek", 555, DORP),
    ),
    "GM1699": (
        ("00", "Wijk 00 Roden", 17625, DORP),
        ("01", "Wijk 01 Roden", 1445, BUITEN),
        ("03", "Wijk 03 Norg", 6365, DORP),
        ("04", "Wijk 04 Norg", 795, BUITEN),
        ("06", "Wijk 06 Peize", 5460, DORP),
    ),
    "GM1730": (
        ("00", "Wijk 00 Zuidlaren", 7400, DORP),
        ("01", "Wijk 01 De Groeve", 460, DORP),
        ("02", "Wijk 02 Zuidlaarderveen", 320, DORP),
        ("03", "Wijk 03 Midlaren", 340, DORP),
        ("04", "Wijk 04 Westlaren", 2265, DORP),
        ("05", "Wijk 05 Schuilingsoord", 380, DORP),
        ("06", "Wijk 06 Paterswolde", 3980, DORP),
        ("07", "Wijk 07 Eelde", 7075, DORP),
        ("08", "Wijk 08 Eelderwolde", 3205, DORP),
        ("09", "Wijk 09 Vries", 4215, DORP),
        ("10", "Wijk 10 Donderen", 475, DORP),
        ("11", "Wijk 11 Bunne", 325, DORP),
        ("12", "Wijk 12 Yde", 1065, DORP),
        ("13", "Wijk 13 Tynaarlo", 1925, DORP),
        ("14", "Wijk 14 Zeegse", 590, DORP),
        ("15", "Wijk 15 Zeijen", 710, DORP),
    ),
    "GM1701": (
        ("00", "Wijk 00 Diever", 2985, DORP),
        ("01", "Wijk 01 Wapse", 670, DORP),
        ("02", "Wijk 02 Zorgvlied", 490, DORP),
        ("03", "Wijk 03 Dwingeloo", 2815, DORP),
        ("04", "Wijk 04 Lhee", 480, DORP),
        ("05", "Wijk 05 Eemster", 360, DORP),
        ("06", "Wijk 06 Geeuwenbrug", 490, DORP),
        ("07", "Wijk 07 Dieverbrug", 300, DORP),
        ("08", "Wijk 08 Havelte", 4635, DORP),
        ("09", "Wijk 09 Uffelte", 1425, DORP),
        ("10", "Wijk 10 Wapserveen", 830, DORP),
        ("11", "Wijk 11 Vledder", 2100, DORP),
        ("12", "Wijk 12 Frederiksoord", 285, DORP),
        ("13", "Wijk 13 Nijensleek", 510, DORP),
        ("14", "Wijk 14 Vledderveen", 360, DORP),
        ("15", "Wijk 15 Wilhelminaoord", 950, DORP),
        ("16", "Wijk 16 Doldersum", 115, DORP),
        ("17", "Wijk 17 Boschoord", 220, DORP),
    ),
}

# Share of inhabitants in the main kernen (demo values of the right order of size).
MAIN_KERNEN = {"GM1701": {"Havelte": 0.19, "Dwingeloo": 0.145, "Diever": 0.14, "Vledder": 0.12}}
# Gemeenten whose buurt figures come from the shared stream as in the first demo: Westerveld (wijken
# 00-17, two buurten each, in MAIN_KERNEN proportions) and, for replay only, the invented kernen the
# first demo gave its four neighbours. Their buurt figures now follow the CBS wijken; the draws made
# for the old kernen are still taken (and discarded) so that every later number of the shared stream,
# such as overlast and Veilig Thuis of all gemeenten, stays what it was.
FIRST_DEMO_KERNEN: dict[str, tuple[str, ...]] = {
    "GM1690": ("Zuidwolde", "Ruinen", "Ruinerwold", "De Wijk", "Koekange", "Echten", "Veeningen"),
    "GM0118": ("Hoogeveen-Centrum", "Krakeel", "Erflanden", "Hollandscheveld", "Elim", "Noordscheschut", "Pesse"),
    "GM0119": ("Meppel-Centrum", "Oosterboer", "Koedijkslanden", "Nieuwveenselanden", "Nijeveen", "Rogat"),
    "GM1731": ("Beilen", "Westerbork", "Smilde", "Hooghalen", "Wijster", "Bovensmilde"),
}
FIRST_DEMO_BUURTEN = "GM1701"  # the one gemeente whose buurten are still those of the first demo
# The gemeenten that had monthly figures in the first demo (the basisteam); the other Drenthe
# gemeenten get them from their own stream.
FIRST_DEMO_MONTHLY = frozenset({"GM1701", *FIRST_DEMO_KERNEN})

# Politie SoortMisdrijf: code -> (title, NL rate per 1,000 inhabitants around 2024, yearly trend,
# COVID factor 2020-2021). Titles follow the politie classification.
SOORT_MISDRIJF: dict[str, tuple[str, float, float, float]] = {
    "1.1.1": ("Diefstal/inbraak woning", 1.2, 0.88, 0.80),
    "1.1.2": ("Diefstal/inbraak box/garage/schuur", 0.9, 0.95, 0.90),
    "1.2.1": ("Diefstal uit/vanaf motorvoertuigen", 2.3, 0.96, 0.85),
    "1.2.2": ("Diefstal van motorvoertuigen", 0.5, 0.98, 0.90),
    "1.2.3": ("Diefstal van brom-, snor-, fietsen", 4.5, 0.97, 0.85),
    "1.2.4": ("Zakkenrollerij", 0.9, 0.93, 0.55),
    "1.2.5": ("Diefstal af/uit/van ov. voertuigen", 0.3, 0.99, 0.95),
    "1.3.1": ("Ongevallen (weg)", 1.0, 0.99, 0.90),
    "1.4.1": ("Zedenmisdrijf", 0.6, 1.03, 1.00),
    "1.4.2": ("Moord, doodslag", 0.06, 1.00, 1.00),
    "1.4.3": ("Openlijk geweld (persoon)", 0.25, 1.00, 0.85),
    "1.4.4": ("Bedreiging", 1.4, 1.01, 1.00),
    "1.4.5": ("Mishandeling", 2.6, 1.00, 0.95),
    "1.4.6": ("Straatroof", 0.2, 0.95, 0.80),
    "1.4.7": ("Overval", 0.05, 0.93, 0.90),
    "1.6.1": ("Brand/ontploffing", 0.3, 1.01, 1.05),
    "1.6.2": ("Overige vermogensdelicten", 5.5, 0.98, 0.95),
    "1.6.3": ("Mensenhandel", 0.05, 1.02, 1.00),
    "2.2.1": ("Vernieling cq. zaakbeschadiging", 3.7, 0.98, 1.00),
    "2.4.1": ("Burengerucht (relatieproblemen)", 0.3, 1.04, 1.15),
    "2.4.2": ("Huisvredebreuk", 0.4, 0.99, 1.00),
    "2.5.1": ("Diefstal/inbraak bedrijven enz.", 1.3, 0.96, 0.90),
    "2.5.2": ("Winkeldiefstal", 2.2, 1.01, 0.85),
    "2.6.2": ("Bodem", 0.05, 1.02, 1.00),
    "2.6.9": ("Vuurwerk", 0.15, 1.00, 0.60),
    "2.7.2": ("Bijzondere wetten", 0.25, 1.00, 1.00),
    "3.1.1": ("Drugshandel", 1.0, 1.00, 1.05),
    "3.1.2": ("Mensensmokkel", 0.02, 1.00, 1.00),
    "3.1.3": ("Wapenhandel", 0.5, 1.02, 1.00),
    "3.5.2": ("Onder invloed (weg)", 1.0, 1.00, 0.90),
    "3.6.4": ("Aantasting openbare orde", 1.0, 1.00, 1.10),
    "3.7.1": ("Discriminatie", 0.05, 1.02, 1.00),
    "3.7.4": ("Cybercrime", 0.5, 1.08, 1.20),
    "3.9.1": ("Horizontale fraude", 5.5, 1.09, 1.25),
    "3.9.3": ("Fraude (overig)", 2.0, 1.06, 1.15),
}
# Where Westerveld differs from the national mix: parking places at the national parks attract car
# break-ins, few shops, drug waste dumped in the woods, visitors' bicycles.
WESTERVELD_MIX = {"1.2.1": 2.0, "2.5.2": 0.35, "2.6.2": 3.0, "1.2.3": 0.8, "1.1.1": 0.9}

# Politie Overlast: code -> (title, NL rate per 1,000 around 2024, yearly trend).
OVERLAST: dict[str, tuple[str, float, float]] = {
    "E33": ("Overlast door verward persoon", 7.9, 1.09),
    "E35": ("Melding overlast jeugd", 4.5, 0.99),
    "E38": ("Overlast ivm alcohol/ drugs", 0.8, 1.00),
    "E41": ("Overlast zwervers", 0.3, 1.00),
    "F010": ("Openbare dronkenschap", 0.3, 0.98),
    "M061": ("Geluidshinder horeca", 0.3, 1.00),
    "M062": ("Geluidshinder evenement", 0.1, 1.00),
    "M22": ("Geluidshinder overig", 5.0, 1.03),
}
OVERLAST_OTHER_SHARE = 0.45  # the total also counts overlast outside the nine published codes


def _pad(key: str, width: int) -> str:
    return key.ljust(width)


def _years() -> list[int]:
    return list(range(FIRST_YEAR, LAST_YEAR + 1))


def _months() -> list[tuple[int, int]]:
    last_year, last_month = MONTHS_UNTIL
    return [
        (y, m) for y in range(LAST_YEAR - 1, last_year + 1) for m in range(1, 13) if (y, m) <= (last_year, last_month)
    ]


def _population(g: Gemeente, year: int) -> float:
    # Slow growth towards the 2025 figure (about 0.4% a year).
    return g.inwoners_2025 * (1.004 ** (year - LAST_YEAR))


def _nl_population(year: int) -> float:
    return NL_INWONERS_2025 * (1.006 ** (year - LAST_YEAR))


def _trend(trend: float, covid: float, year: int) -> float:
    factor = trend ** (year - 2024)
    if year in (2020, 2021):
        factor *= covid
    return factor


def _value(x: float | None) -> str | None:
    """UntypedDataSet style: right-aligned strings; '.' for unknown; None for 'cannot occur'."""
    if x is None:
        return None
    if isinstance(x, float) and math.isnan(x):
        return "."
    return f"{int(round(x)):>10}"


def _table_infos(table_id: str, title: str, modified: str, period: str, catalog: str) -> dict:
    return {
        "ID": 0,
        "Title": title,
        "ShortTitle": title,
        "Identifier": table_id,
        "Summary": f"{title} (DEMO: verzonnen cijfers in de vorm van de echte tabel)",
        "Modified": modified,
        "Catalog": catalog,
        "Frequency": "Perjaar",
        "Period": period,
        "Language": "nl",
        "Source": "Demo-generator veiligheidsanalyse",
    }


def _data_property(
    position: int, key: str, title: str, kind: str = "Topic", unit: str | None = None, datatype: str | None = None
) -> dict:
    prop = {"ID": position, "Position": position, "Key": key, "Title": title, "Type": kind, "Description": ""}
    if kind == "Topic":
        prop.update({"Unit": unit or "aantal", "Datatype": datatype or "Long", "Decimals": 0})
    return prop


def _perioden(years: list[int], months: list[tuple[int, int]], voorlopig_from: int) -> list[dict]:
    out = []
    for y in years:
        out.append(
            {
                "Key": f"{y}JJ00",
                "Title": str(y),
                "Description": "",
                "Status": "Voorlopig" if y >= voorlopig_from else "Definitief",
            }
        )
    for y, m in months:
        out.append(
            {
                "Key": f"{y}MM{m:02d}",
                "Title": f"{y} {MONTHS_NL[m - 1]}",
                "Description": "",
                "Status": "Voorlopig" if y >= voorlopig_from else "Definitief",
            }
        )
    return out


_PROVINCE_NAMES = {title.removesuffix(" (PV)") for title in PROVINCIES.values()}


def _regio_title(g: Gemeente) -> str:
    # As CBS and politie do in their RegioS lists: a gemeente named like its provincie gets "(gemeente)".
    return f"{g.naam} (gemeente)" if g.naam in _PROVINCE_NAMES else g.naam


def _regios(width: int = 6, with_provinces: bool = False) -> list[dict]:
    rows = [{"Key": _pad("NL01", width), "Title": "Nederland", "Description": ""}]
    if with_provinces:
        rows += [{"Key": _pad(code, width), "Title": title, "Description": ""} for code, title in PROVINCIES.items()]
    rows += [{"Key": _pad(g.code, width), "Title": _regio_title(g), "Description": ""} for g in GEMEENTEN]
    return rows


def _stedelijkheid(oad: float) -> int:
    """CBS class of the omgevingsadressendichtheid: 1 zeer sterk (>= 2,500) ... 5 niet stedelijk (< 500)."""
    return 1 if oad >= 2500 else 2 if oad >= 1500 else 3 if oad >= 1000 else 4 if oad >= 500 else 5


def _stream(code: str, tag: int) -> np.random.Generator:
    """A random stream of its own for one gemeente and table (tag), independent of the shared stream."""
    return np.random.default_rng([SEED, int(code[2:]), tag])


def _wijk_name(title: str) -> str:
    """'Wijk 00 Diever' -> 'Diever' (CBS wijk names may carry a number, one in Hoogeveen as 'Wijke')."""
    return re.sub(r"^Wijke? \d+ ", "", title)


def _first_demo_units(code: str, kernen: tuple[str, ...]) -> list[dict]:
    """Wijken (one per kern) and their buurten with a population share, as the first demo made them."""
    digits = code[2:]
    rng = np.random.default_rng(int(digits))
    weights = rng.gamma(1.5, 1.0, size=len(kernen))
    # The main kernen hold most inhabitants: Havelte, Dwingeloo, Diever and Vledder in Westerveld,
    # the first three kernen listed elsewhere; the rest shares the remainder by random weights.
    main = MAIN_KERNEN.get(code, dict(zip(kernen[:3], (0.40, 0.15, 0.12))))
    rest = 1.0 - sum(main.values())
    small = [w for w, kern in zip(weights, kernen) if kern not in main]
    weights = np.array([main[kern] if kern in main else rest * w / sum(small) for w, kern in zip(weights, kernen)])
    out = []
    for i, (kern, share) in enumerate(zip(kernen, weights)):
        wijk = f"WK{digits}{i:02d}"
        out.append({"code": wijk, "naam": f"Wijk {i:02d} {kern}", "soort": "Wijk", "share": share, "kern": kern})
        out.append({"code": f"BU{digits}{i:02d}00", "naam": kern, "soort": "Buurt", "share": share * 0.8, "kern": kern})
        out.append(
            {
                "code": f"BU{digits}{i:02d}09",
                "naam": f"Verspreide huizen {kern}",
                "soort": "Buurt",
                "share": share * 0.2,
                "kern": kern,
            }
        )
    return out


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Whole numbers proportional to ``weights`` that add up to ``total`` exactly."""
    exact = total * weights / weights.sum()
    out = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - out), kind="stable")[: total - int(out.sum())]:
        out[i] += 1
    return out


# Age structure (0-15, 15-25, 25-45, 45-65, 65+) by stedelijkheid class: towns are younger. The first
# demo used the rural, ageing one (class 5) for every gemeente, and still does.
AGE_PARTS = {
    1: (0.14, 0.14, 0.31, 0.25, 0.16),
    2: (0.15, 0.13, 0.27, 0.26, 0.19),
    3: (0.16, 0.12, 0.24, 0.27, 0.21),
    4: (0.16, 0.11, 0.22, 0.28, 0.23),
    5: (0.15, 0.11, 0.20, 0.28, 0.26),
}
# Inhabitants per dwelling by stedelijkheid class (the first demo: 2.25 everywhere, still so).
HOUSEHOLD = {1: 1.85, 2: 2.0, 3: 2.1, 4: 2.2, 5: 2.3}
# Stream tags (see _stream).
_T_YEAR_EFFECT, _T_UNITS = 1, 85984


def _provenance(table_id: str, modified: str) -> dict:
    spec = TABLES.get(table_id)
    host = spec.host if spec else "opendata.cbs.nl"
    return {
        "demo": True,
        "url": f"https://{host}/ODataApi/OData/{table_id}/UntypedDataSet",
        "catalog": spec.catalog if spec else "CBS",
        "filters": "demo: region selection of the demo set",
        "retrieved_at": RETRIEVED_AT,
        "table_modified": modified,
        "generator": f"veiligheidsanalyse.demo seed {SEED}",
    }


class _Generator:
    def __init__(self, seed: int = SEED):
        self.rng = np.random.default_rng(seed)  # the shared stream of the first demo's gemeenten
        # Year-to-year extra variation per gemeente (overdispersion as in real series).
        self.year_effect = {
            (g.code, y): float(self.rng.gamma(shape=150.0, scale=1 / 150.0)) for g in FIRST_DEMO for y in _years()
        }
        self._buurten: dict[str, tuple[dict, ...]] = {}
        for g in ADDED:
            own = _stream(g.code, _T_YEAR_EFFECT)
            self.year_effect.update({(g.code, y): float(own.gamma(shape=150.0, scale=1 / 150.0)) for y in _years()})

    def poisson(self, mean: float, rng: np.random.Generator | None = None) -> int:
        return int((self.rng if rng is None else rng).poisson(max(mean, 0.0)))

    # ---------------------------------------------------------------- wijken and buurten
    def buurten(self, g: Gemeente) -> tuple[dict, ...]:
        """Wijken and buurten of a Drenthe gemeente, each wijk followed by its buurten (empty elsewhere).

        Every unit has a population ``share``; buurten of the gemeenten added after the first demo also
        whole ``inwoners`` (adding up to the gemeente), a ``land`` share and a ``weight`` for crime and
        overlast (inhabitants, more in a town centre and on industrial estates).
        """
        if g.code not in self._buurten:
            self._buurten[g.code] = self._make_buurten(g)
        return self._buurten[g.code]

    def _make_buurten(self, g: Gemeente) -> tuple[dict, ...]:
        # Long: the demo buurten come from one random stream in a fixed order, which the committed demo depends on.
        if g.code == FIRST_DEMO_BUURTEN:
            wijk_names = tuple(_wijk_name(title) for _nr, title, _w, _k in WIJKEN[g.code])
            return tuple(_first_demo_units(g.code, wijk_names))
        if g.code not in WIJKEN:
            return ()
        rng = _stream(g.code, _T_UNITS)
        wijken = WIJKEN[g.code]
        digits = g.code[2:]
        total = round(_population(g, 2024))
        weights = np.array([w for _nr, _t, w, _k in wijken], dtype=float)
        weights = weights * rng.lognormal(0.0, 0.08, size=len(weights))  # demo values, not the real ones
        weights = weights / weights.sum()
        buurten = []  # (wijk index, code, name, population share, land factor, crime factor)
        for i, (nr, title, _w, kind) in enumerate(wijken):
            name = _wijk_name(title)
            expected = total * weights[i]
            crime = 1.8 if "centrum" in name.lower() else 2.0 if kind == BUITEN else 1.0
            if kind == BUITEN:
                label = (
                    name
                    if re.search(r"buitengebied|industrie|verspreid", name, re.IGNORECASE)
                    else (f"Buitengebied {name}")
                )
                buurten.append((i, f"BU{digits}{nr}00", label, weights[i], 15.0, crime))
                continue
            steps = (3000, 6000, 10000) if kind == STAD else (4000, 8000, 15000)
            extra = sum(expected >= s for s in steps)
            # A village of some size has its scattered houses as a buurt of their own; a hamlet is one buurt.
            spread = kind == DORP and expected >= 600
            scattered = rng.uniform(0.08, 0.22) if spread else 0.0
            parts = np.array([1.0] + list(rng.uniform(0.5, 0.9, size=extra)))
            parts = (1.0 - scattered) * parts / parts.sum()
            sep = " " if re.search(r"[- ]", name) else "-"
            names = [name] + [f"{name}{sep}{side}" for side in ("Noord", "Zuid", "Oost")[:extra]]
            land = 0.2 if kind == STAD else 0.5 if spread else 4.0
            for k, (part, buurt) in enumerate(zip(parts, names)):
                buurten.append((i, f"BU{digits}{nr}{k:02d}", buurt, weights[i] * part, land, crime))
            if spread:
                buurten.append(
                    (i, f"BU{digits}{nr}09", f"Verspreide huizen {name}", weights[i] * scattered, 8.0, crime)
                )
        shares = np.array([b[3] for b in buurten])
        inwoners = _largest_remainder(total, shares)
        land = shares * np.array([b[4] for b in buurten])
        land = land / land.sum()
        out = []
        for i, (nr, title, _w, _kind) in enumerate(wijken):
            members = [j for j, b in enumerate(buurten) if b[0] == i]
            out.append(
                {
                    "code": f"WK{digits}{nr}",
                    "naam": title,
                    "soort": "Wijk",
                    "share": float(shares[members].sum()),
                    "inwoners": int(inwoners[members].sum()),
                    "land": float(land[members].sum()),
                }
            )
            for j in members:
                out.append(
                    {
                        "code": buurten[j][1],
                        "naam": buurten[j][2],
                        "soort": "Buurt",
                        "share": float(shares[j]),
                        "inwoners": int(inwoners[j]),
                        "land": float(land[j]),
                        "weight": float(inwoners[j] * buurten[j][5]),
                    }
                )
        return tuple(out)

    def _first_demo_split(self, g: Gemeente) -> np.ndarray | None:
        """Buurt population shares the first demo split this gemeente's counts by (None: not in it)."""
        if g.code == FIRST_DEMO_BUURTEN:
            units = self.buurten(g)
        elif g.code in FIRST_DEMO_KERNEN:
            units = tuple(_first_demo_units(g.code, FIRST_DEMO_KERNEN[g.code]))
        else:
            return None
        return np.array([u["share"] for u in units if u["soort"] == "Buurt"])

    def _split_weights(self, g: Gemeente) -> np.ndarray:
        """How this gemeente's counts are spread over its buurten (the first demo: by population)."""
        units = [u for u in self.buurten(g) if u["soort"] == "Buurt"]
        if g.code == FIRST_DEMO_BUURTEN:
            return np.array([u["share"] for u in units])
        return np.array([u["weight"] for u in units])

    # ---------------------------------------------------------------- politie 47013NED
    def crime_mean(self, g: Gemeente | None, code: str, year: int) -> float:
        _title, rate, trend, covid = SOORT_MISDRIJF[code]
        if g is None:
            return _nl_population(year) / 1000 * rate * _trend(trend, covid, year)
        mix = WESTERVELD_MIX.get(code, 1.0) if g.code == "GM1701" else 1.0
        return (
            _population(g, year)
            / 1000
            * rate
            * g.misdaad_factor
            * mix
            * _trend(trend, covid, year)
            * self.year_effect[(g.code, year)]
        )

    def _crime_yearly_rows(
        self, rows: list[dict], region_code: str, g: Gemeente | None, rng: np.random.Generator
    ) -> None:
        for year in _years():
            counts = {code: self.poisson(self.crime_mean(g, code, year), rng) for code in SOORT_MISDRIJF}
            self.crime_yearly[(region_code, year)] = counts
            # Murder counts in small gemeenten are not published ("." = secret) in the demo.
            secret = {"1.4.2"} if g is not None and g.inwoners_2025 < 30_000 else set()
            for code in ["0.0.0"] + list(SOORT_MISDRIJF):
                value = (
                    float(sum(counts.values()))
                    if code == "0.0.0"
                    else (math.nan if code in secret else float(counts[code]))
                )
                aangiften = None if math.isnan(value) else value * 0.72
                internet = None if math.isnan(value) else value * (0.25 + 0.03 * (year - FIRST_YEAR))
                rows.append(
                    {
                        "ID": len(rows),
                        "SoortMisdrijf": _pad(code, 6),
                        "RegioS": _pad(region_code, 8),
                        "Perioden": f"{year}JJ00",
                        "GeregistreerdeMisdrijven_1": _value(value),
                        "Aangiften_2": _value(math.nan if aangiften is None else aangiften),
                        "Internetaangiften_3": _value(math.nan if internet is None else internet),
                    }
                )

    def _crime_monthly_rows(
        self, rows: list[dict], region_code: str, g: Gemeente | None, rng: np.random.Generator
    ) -> None:
        # Monthly totals: the latest months, for the seasonal profile and the running year.
        for year, month in _months():
            season = 1.0 + 0.12 * math.sin(2 * math.pi * (month - 4) / 12)
            for code in ("0.0.0", "1.1.1", "3.9.1"):
                if code == "0.0.0":
                    mean = sum(self.crime_mean(g, c, min(year, LAST_YEAR)) for c in SOORT_MISDRIJF) / 12
                else:
                    mean = self.crime_mean(g, code, min(year, LAST_YEAR)) / 12
                value = float(self.poisson(mean * season, rng))
                rows.append(
                    {
                        "ID": len(rows),
                        "SoortMisdrijf": _pad(code, 6),
                        "RegioS": _pad(region_code, 8),
                        "Perioden": f"{year}MM{month:02d}",
                        "GeregistreerdeMisdrijven_1": _value(value),
                        "Aangiften_2": _value(value * 0.72),
                        "Internetaangiften_3": _value(value * 0.5),
                    }
                )

    def crime_47013(self) -> tuple[list[dict], dict]:
        rows: list[dict] = []
        self.crime_yearly: dict[tuple[str, int], dict[str, int]] = {}
        # The first demo's regions from the shared stream, in their order (monthly for NL and the basisteam).
        for region_code, g in [("NL01", None)] + [(g.code, g) for g in FIRST_DEMO]:
            self._crime_yearly_rows(rows, region_code, g, self.rng)
            if g is None or g.code in FIRST_DEMO_MONTHLY:
                self._crime_monthly_rows(rows, region_code, g, self.rng)
        # Then, from streams of their own: the added gemeenten, and monthly figures for the other
        # Drenthe gemeenten (the comparison pool has yearly figures only, like the first demo's peers).
        for g in GEMEENTEN:
            if g.code in FIRST_DEMO_MONTHLY:
                continue
            own = _stream(g.code, 47013)
            if g.code not in _FIRST_CODES:
                self._crime_yearly_rows(rows, g.code, g, own)
            if g.provincie == DRENTHE:
                self._crime_monthly_rows(rows, g.code, g, own)
        years, months = _years(), _months()
        modified = "2026-11-15T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "47013NED",
                "Geregistreerde misdrijven en aangiften; soort misdrijf, gemeente",
                modified,
                f"{FIRST_YEAR}-2026",
                "Politie",
            ),
            "DataProperties": [
                _data_property(0, "SoortMisdrijf", "Soort misdrijf", "Dimension"),
                _data_property(1, "RegioS", "Regio's", "GeoDimension"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
                _data_property(3, "GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven"),
                _data_property(4, "Aangiften_2", "Aangiften"),
                _data_property(5, "Internetaangiften_3", "Internetaangiften"),
            ],
            "dimensions": {
                "SoortMisdrijf": [{"Key": _pad("0.0.0", 6), "Title": "Totaal misdrijven", "Description": ""}]
                + [
                    {"Key": _pad(code, 6), "Title": f"{code} {title}", "Description": ""}
                    for code, (title, *_rest) in SOORT_MISDRIJF.items()
                ],
                "RegioS": _regios(8),
                "Perioden": _perioden(years, months, voorlopig_from=LAST_YEAR),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- CBS 03759ned population
    def population_03759(self) -> tuple[list[dict], dict]:
        # Long: the generated table spelled out as the real table has it.
        rows: list[dict] = []
        ages = list(range(12, 18))

        def add(region: str, year: int, total: float) -> None:
            total = round(total)
            youth_share = 0.0105 if region.startswith("GM") else 0.0112
            per_age = [round(total * youth_share * (1 + 0.02 * (a - 14))) for a in ages]
            for age_key, value in [("10000", total)] + [(f"7{a + 1:02d}00", v) for a, v in zip(ages, per_age)]:
                rows.append(
                    {
                        "ID": len(rows),
                        "Geslacht": "T001038",
                        "Leeftijd": age_key,
                        "BurgerlijkeStaat": "T001019",
                        "RegioS": _pad(region, 6),
                        "Perioden": f"{year}JJ00",
                        "BevolkingOp1Januari_1": _value(float(value)),
                        "GemiddeldeBevolking_2": _value(float(value) * 1.002),
                    }
                )

        years = _years() + [LAST_YEAR + 1]
        totals: dict[tuple[str, int], float] = {}
        for year in years:
            values: dict[str, float] = {"NL01": _nl_population(year)}
            for code in FIRST_PROVINCIES:
                values[code] = 0.0
            for g in FIRST_DEMO:
                values[g.code] = round(_population(g, year))
            # Provinces: only Drenthe is complete in the first demo; the others are scaled up.
            for g in FIRST_DEMO:
                values[g.provincie] += values[g.code]
            for code, factor in FIRST_PROVINCIES.items():
                if factor != 1.0:
                    values[code] *= factor
            for region, total in values.items():
                totals[(region, year)] = round(total)
                add(region, year, total)
        for year in years:  # the provincies and gemeenten added later
            for code, inwoners in PROVINCIE_INWONERS_2025.items():
                totals[(code, year)] = round(inwoners * 1.005 ** (year - LAST_YEAR))
                add(code, year, totals[(code, year)])
            for g in ADDED:
                totals[(g.code, year)] = round(_population(g, year))
                add(g.code, year, totals[(g.code, year)])
        for (code, year), total in totals.items():  # a provincie holds at least its demo gemeenten
            members = sum(totals[(g.code, year)] for g in GEMEENTEN if g.provincie == code)
            assert not code.startswith("PV") or members <= total, (code, year, members, total)
        modified = "2026-07-01T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "03759ned",
                "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio",
                modified,
                f"{FIRST_YEAR}-{LAST_YEAR + 1}",
                "CBS",
            ),
            "DataProperties": [
                _data_property(0, "Geslacht", "Geslacht", "Dimension"),
                _data_property(1, "Leeftijd", "Leeftijd", "Dimension"),
                _data_property(2, "BurgerlijkeStaat", "Burgerlijke staat", "Dimension"),
                _data_property(3, "RegioS", "Regio's", "GeoDimension"),
                _data_property(4, "Perioden", "Perioden", "TimeDimension"),
                _data_property(5, "BevolkingOp1Januari_1", "Bevolking op 1 januari"),
                _data_property(6, "GemiddeldeBevolking_2", "Gemiddelde bevolking"),
            ],
            "dimensions": {
                "Geslacht": [{"Key": "T001038", "Title": "Totaal mannen en vrouwen", "Description": ""}],
                "Leeftijd": [{"Key": "10000", "Title": "Totaal", "Description": ""}]
                + [{"Key": f"7{a + 1:02d}00", "Title": f"{a} jaar", "Description": ""} for a in ages],
                "BurgerlijkeStaat": [{"Key": "T001019", "Title": "Totaal burgerlijke staat", "Description": ""}],
                "RegioS": _regios(6, with_provinces=True),
                "Perioden": _perioden(_years() + [LAST_YEAR + 1], [], voorlopig_from=9999),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- CBS Kerncijfers wijken en buurten 2024
    def kwb_2024(self) -> tuple[list[dict], dict]:
        # Long: the generated table spelled out as the real table has it.
        year = 2024
        rows: list[dict] = []
        regions = []

        def add(
            code: str,
            naam: str,
            gemeente: str,
            soort: str,
            inwoners: float,
            woningen: float,
            land_ha: float,
            oad: float | None,
            parts: tuple[float, ...] = AGE_PARTS[5],
        ):
            rounding = 5 if soort == "Buurt" else 1
            inw = round(inwoners / rounding) * rounding
            rows.append(
                {
                    "ID": len(rows),
                    "WijkenEnBuurten": _pad(code, 10),
                    "Gemeentenaam_1": gemeente.ljust(30),
                    "SoortRegio_2": soort.ljust(8),
                    "Codering_3": _pad(code, 10),
                    "AantalInwoners_5": _value(inw),
                    "k_0Tot15Jaar_8": _value(round(inw * parts[0] / rounding) * rounding),
                    "k_15Tot25Jaar_9": _value(round(inw * parts[1] / rounding) * rounding),
                    "k_25Tot45Jaar_10": _value(round(inw * parts[2] / rounding) * rounding),
                    "k_45Tot65Jaar_11": _value(round(inw * parts[3] / rounding) * rounding),
                    "k_65JaarOfOuder_12": _value(round(inw * parts[4] / rounding) * rounding),
                    "Woningvoorraad_35": _value(round(woningen)),
                    "OppervlakteLand_113": _value(round(land_ha)),
                    "MateVanStedelijkheid_117": _value(math.nan if oad is None else _stedelijkheid(oad)),
                    "Omgevingsadressendichtheid_118": _value(math.nan if oad is None else oad),
                }
            )
            regions.append({"Key": _pad(code, 10), "Title": naam, "Description": "", "Municipality": gemeente})

        add("NL00", "Nederland", "Nederland", "Land", _nl_population(year), _nl_population(year) / 2.2, 3_367_000, 2010)
        for g in GEMEENTEN:
            inw = _population(g, year)
            if g.code in _FIRST_CODES:  # the first demo: one age structure and household size for all
                parts, household = AGE_PARTS[5], 2.25
            else:
                parts, household = AGE_PARTS[_stedelijkheid(g.oad)], HOUSEHOLD[_stedelijkheid(g.oad)]
            add(g.code, g.naam, g.naam, "Gemeente", inw, inw / household, g.land_ha, g.oad, parts)
            for unit in self.buurten(g):
                if g.code == FIRST_DEMO_BUURTEN:
                    add(
                        unit["code"],
                        unit["naam"],
                        g.naam,
                        unit["soort"],
                        inw * unit["share"],
                        inw * unit["share"] / 2.25,
                        g.land_ha * unit["share"],
                        None,
                    )
                else:
                    add(
                        unit["code"],
                        unit["naam"],
                        g.naam,
                        unit["soort"],
                        unit["inwoners"],
                        unit["inwoners"] / 2.25,
                        g.land_ha * unit["land"],
                        None,
                    )
        modified = "2025-06-30T02:00:00"
        metadata = {
            "TableInfos": _table_infos("85984NED", "Kerncijfers wijken en buurten 2024", modified, "2024", "CBS"),
            "DataProperties": [
                _data_property(0, "WijkenEnBuurten", "Wijken en buurten", "GeoDetail"),
                _data_property(1, "Gemeentenaam_1", "Gemeentenaam", unit="naam", datatype="String"),
                _data_property(2, "SoortRegio_2", "Soort regio", unit="omschrijving", datatype="String"),
                _data_property(3, "Codering_3", "Codering", unit="code", datatype="String"),
                _data_property(5, "AantalInwoners_5", "Aantal inwoners"),
                _data_property(8, "k_0Tot15Jaar_8", "0 tot 15 jaar"),
                _data_property(9, "k_15Tot25Jaar_9", "15 tot 25 jaar"),
                _data_property(10, "k_25Tot45Jaar_10", "25 tot 45 jaar"),
                _data_property(11, "k_45Tot65Jaar_11", "45 tot 65 jaar"),
                _data_property(12, "k_65JaarOfOuder_12", "65 jaar of ouder"),
                _data_property(35, "Woningvoorraad_35", "Woningvoorraad"),
                _data_property(113, "OppervlakteLand_113", "Oppervlakte land", unit="ha"),
                _data_property(117, "MateVanStedelijkheid_117", "Mate van stedelijkheid", unit="code"),
                _data_property(118, "Omgevingsadressendichtheid_118", "Omgevingsadressendichtheid", unit="per km²"),
            ],
            "dimensions": {"WijkenEnBuurten": regions},
        }
        return rows, metadata

    # ---------------------------------------------------------------- politie 47018NED per buurt
    @staticmethod
    def _split_crime(
        rng: np.random.Generator, totals: dict[str, int], shares: np.ndarray, codes: list[str]
    ) -> dict[str, np.ndarray]:
        """Split the gemeente counts over the buurten, buurt counts summing to the gemeente."""
        per_code: dict[str, np.ndarray] = {}
        for code in codes[1:]:
            per_code[code] = rng.multinomial(totals[code], shares / shares.sum())
        rest = sum(v for c, v in totals.items() if c not in per_code)
        per_code["0.0.0"] = rng.multinomial(rest, shares / shares.sum()) + sum(per_code.values())
        return per_code

    def crime_buurten_47018(self) -> tuple[list[dict], dict]:
        # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
        codes = ["0.0.0", "1.1.1", "1.2.1", "1.2.3", "1.4.5", "2.2.1", "3.9.1"]
        rows: list[dict] = []
        regions: list[dict] = []
        for g in GEMEENTEN:
            if not self.buurten(g):
                continue
            units = [u for u in self.buurten(g) if u["soort"] == "Buurt"]
            wijken = [u for u in self.buurten(g) if u["soort"] == "Wijk"]
            shares = self._split_weights(g)
            first = self._first_demo_split(g)
            rng = self.rng if g.code == FIRST_DEMO_BUURTEN else _stream(g.code, 47018)
            regions.append({"Key": _pad(g.code, 10), "Title": g.naam, "Description": "", "Municipality": g.code})
            regions += [
                {"Key": _pad(u["code"], 10), "Title": u["naam"], "Description": "", "Municipality": g.code}
                for u in wijken + units
            ]
            for year in _years():
                totals = self.crime_yearly[(g.code, year)]
                if first is not None and g.code != FIRST_DEMO_BUURTEN:
                    self._split_crime(self.rng, totals, first, codes)  # replayed and discarded (see FIRST_DEMO_KERNEN)
                per_code = self._split_crime(rng, totals, shares, codes)
                by_unit = {u["code"]: {c: int(per_code[c][i]) for c in codes} for i, u in enumerate(units)}
                for wijk in wijken:
                    members = [u["code"] for u in units if u["code"].startswith("BU" + wijk["code"][2:])]
                    by_unit[wijk["code"]] = {c: sum(by_unit[m][c] for m in members) for c in codes}
                by_unit[g.code] = {c: sum(by_unit[u["code"]][c] for u in units) for c in codes}
                soort_of = {
                    g.code: "Gemeente",
                    **{w["code"]: "Wijk" for w in wijken},
                    **{u["code"]: "Buurt" for u in units},
                }
                for unit_code, counts in by_unit.items():
                    for code in codes:
                        value = counts[code]
                        rows.append(
                            {
                                "ID": len(rows),
                                "SoortMisdrijf": _pad(code, 6),
                                "WijkenEnBuurten": _pad(unit_code, 10),
                                "Perioden": f"{year}JJ00",
                                "GeregistreerdeMisdrijven_1": _value(float(value)),
                                # As in the real download: rows with value 0 have blank name and type.
                                "Gemeentenaam_2": g.naam.ljust(30) if value else None,
                                "SoortRegio_3": soort_of[unit_code].ljust(8) if value else None,
                            }
                        )
        modified = "2026-02-15T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "47018NED",
                "Geregistreerde misdrijven; soort misdrijf, wijk, buurt, jaarcijfers",
                modified,
                f"{FIRST_YEAR}-{LAST_YEAR}",
                "Politie",
            ),
            "DataProperties": [
                _data_property(0, "SoortMisdrijf", "Soort misdrijf", "Dimension"),
                _data_property(1, "WijkenEnBuurten", "Wijken en buurten", "GeoDetail"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
                _data_property(3, "GeregistreerdeMisdrijven_1", "Geregistreerde misdrijven"),
                _data_property(4, "Gemeentenaam_2", "Gemeentenaam", unit="naam", datatype="String"),
                _data_property(5, "SoortRegio_3", "Soort regio", unit="omschrijving", datatype="String"),
            ],
            "dimensions": {
                "SoortMisdrijf": [
                    {
                        "Key": _pad(c, 6),
                        "Title": "Totaal misdrijven" if c == "0.0.0" else f"{c} {SOORT_MISDRIJF[c][0]}",
                        "Description": "",
                    }
                    for c in codes
                ],
                "WijkenEnBuurten": regions,
                "Perioden": _perioden(_years(), [], voorlopig_from=LAST_YEAR),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- politie 47021NED / 47024NED overlast
    def overlast_mean(self, g: Gemeente | None, code: str, year: int) -> float:
        _title, rate, trend = OVERLAST[code]
        factor = trend ** (year - 2024)
        if g is None:
            return _nl_population(year) / 1000 * rate * factor
        # Rural gemeenten register less overlast; Westerveld's woonoverlast and E33 rise faster.
        level = 0.55 + 0.5 * g.misdaad_factor
        if g.code == "GM1701" and code in ("E33", "M22"):
            factor *= 1.04 ** (year - 2024)
        return _population(g, year) / 1000 * rate * level * factor * self.year_effect[(g.code, year)]

    def overlast_47021(self) -> tuple[list[dict], dict]:
        rows: list[dict] = []
        self.overlast_yearly: dict[tuple[str, int], dict[str, int]] = {}
        regions = [("NL01", None, self.rng)] + [(g.code, g, self.rng) for g in FIRST_DEMO]
        regions += [(g.code, g, _stream(g.code, 47021)) for g in ADDED]
        for region_code, g, rng in regions:
            for year in _years():
                counts = {c: self.poisson(self.overlast_mean(g, c, year), rng) for c in OVERLAST}
                other = self.poisson(sum(counts.values()) * OVERLAST_OTHER_SHARE / (1 - OVERLAST_OTHER_SHARE), rng)
                self.overlast_yearly[(region_code, year)] = counts
                for code in ["0.0.0"] + list(OVERLAST):
                    value = sum(counts.values()) + other if code == "0.0.0" else counts[code]
                    rows.append(
                        {
                            "ID": len(rows),
                            "Overlast": _pad(code, 6),
                            "RegioS": _pad(region_code, 8),
                            "Perioden": f"{year}JJ00",
                            "GeregistreerdeOverlast_1": _value(float(value)),
                        }
                    )
        modified = "2026-02-15T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "47021NED",
                "Registraties overlast; soort overlast, regio",
                modified,
                f"{FIRST_YEAR}-{LAST_YEAR}",
                "Politie",
            ),
            "DataProperties": [
                _data_property(0, "Overlast", "Overlast", "Dimension"),
                _data_property(1, "RegioS", "Regio's", "GeoDimension"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
                _data_property(3, "GeregistreerdeOverlast_1", "Geregistreerde overlast"),
            ],
            "dimensions": {
                "Overlast": [{"Key": _pad("0.0.0", 6), "Title": "Totaal registraties overlast", "Description": ""}]
                + [{"Key": _pad(c, 6), "Title": t, "Description": ""} for c, (t, *_r) in OVERLAST.items()],
                "RegioS": _regios(8),
                "Perioden": _perioden(_years(), [], voorlopig_from=LAST_YEAR),
            },
        }
        return rows, metadata

    @staticmethod
    def _split_overlast(
        rng: np.random.Generator, counts: dict[str, int], shares: np.ndarray, codes: list[str]
    ) -> dict[str, np.ndarray]:
        split = {c: rng.multinomial(counts[c], shares) for c in codes[1:]}
        total = sum(counts.values())
        split["0.0.0"] = rng.multinomial(total, shares)
        return split

    def overlast_buurten_47024(self) -> tuple[list[dict], dict]:
        # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
        codes = ["0.0.0", "E33", "E35", "E38"]
        rows: list[dict] = []
        regions: list[dict] = []

        def concentrated(shares: np.ndarray) -> np.ndarray:
            # Overlast concentrates in the larger kernen a little more than population.
            shares = shares**1.15
            return shares / shares.sum()

        for g in GEMEENTEN:
            if not self.buurten(g):
                continue
            units = [u for u in self.buurten(g) if u["soort"] == "Buurt"]
            wijken = [u for u in self.buurten(g) if u["soort"] == "Wijk"]
            shares = concentrated(self._split_weights(g))
            first = self._first_demo_split(g)
            first = None if first is None else concentrated(first)
            rng = self.rng if g.code == FIRST_DEMO_BUURTEN else _stream(g.code, 47024)
            regions.append({"Key": _pad(g.code, 10), "Title": g.naam, "Description": "", "Municipality": g.code})
            regions += [
                {"Key": _pad(u["code"], 10), "Title": u["naam"], "Description": "", "Municipality": g.code}
                for u in wijken + units
            ]
            for year in _years():
                counts = self.overlast_yearly[(g.code, year)]
                if first is not None and g.code != FIRST_DEMO_BUURTEN:
                    self._split_overlast(self.rng, counts, first, codes)  # replayed and discarded
                split = self._split_overlast(rng, counts, shares, codes)
                by_unit = {u["code"]: {c: int(split[c][i]) for c in codes} for i, u in enumerate(units)}
                for wijk in wijken:
                    members = [u["code"] for u in units if u["code"].startswith("BU" + wijk["code"][2:])]
                    by_unit[wijk["code"]] = {c: sum(by_unit[m][c] for m in members) for c in codes}
                by_unit[g.code] = {c: sum(by_unit[u["code"]][c] for u in units) for c in codes}
                for unit_code, unit_counts in by_unit.items():
                    for code in codes:
                        rows.append(
                            {
                                "ID": len(rows),
                                "Overlast": _pad(code, 6),
                                "WijkenEnBuurten": _pad(unit_code, 10),
                                "Perioden": f"{year}JJ00",
                                "GeregistreerdeOverlast_1": _value(float(unit_counts[code])),
                            }
                        )
        modified = "2026-02-15T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "47024NED",
                "Registraties overlast; soort overlast, wijk, buurt",
                modified,
                f"{FIRST_YEAR}-{LAST_YEAR}",
                "Politie",
            ),
            "DataProperties": [
                _data_property(0, "Overlast", "Overlast", "Dimension"),
                _data_property(1, "WijkenEnBuurten", "Wijken en buurten", "GeoDetail"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
                _data_property(3, "GeregistreerdeOverlast_1", "Geregistreerde overlast"),
            ],
            "dimensions": {
                "Overlast": [{"Key": _pad("0.0.0", 6), "Title": "Totaal registraties overlast", "Description": ""}]
                + [{"Key": _pad(c, 6), "Title": OVERLAST[c][0], "Description": ""} for c in codes[1:]],
                "WijkenEnBuurten": regions,
                "Perioden": _perioden(_years(), [], voorlopig_from=LAST_YEAR),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- CBS 83648NED
    def crime_cbs_83648(self) -> tuple[list[dict], dict]:
        # Long: the generated table spelled out as the real table has it.
        groups = {
            "T001161": ("Misdrijven, totaal", None),
            "CRI1000": (
                "1 Vermogensmisdrijven",
                (
                    "1.1.1",
                    "1.1.2",
                    "1.2.1",
                    "1.2.2",
                    "1.2.3",
                    "1.2.4",
                    "1.2.5",
                    "1.6.2",
                    "2.5.1",
                    "2.5.2",
                    "3.9.1",
                    "3.9.3",
                ),
            ),
            "CRI2000": (
                "2 Vernielingen, misdrijven tegen openbare orde en gezag",
                ("2.2.1", "1.6.1", "2.4.2", "3.6.4", "3.7.1", "3.7.4"),
            ),
            "CRI3000": (
                "3 Gewelds- en seksuele misdrijven",
                ("1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5", "1.4.6", "1.4.7", "1.6.3"),
            ),
            "CRI5000": ("5 Verkeersmisdrijven", ("1.3.1", "3.5.2")),
            "CRI6000": ("6 Drugsmisdrijven", ("3.1.1",)),
            "CRI7000": ("7 Vuurwapenmisdrijven", ("3.1.3",)),
        }
        years = list(range(FIRST_YEAR, LAST_YEAR))  # CBS publishes a year later than the politie
        rows: list[dict] = []
        row_id = 0
        regions: list[tuple[str, list[str]]] = [("NL01", ["NL01"])] + [
            (DRENTHE, [g.code for g in GEMEENTEN if g.provincie == DRENTHE])
        ]
        regions += [(g.code, [g.code]) for g in GEMEENTEN]
        pops = {g.code: g for g in GEMEENTEN}
        for region, members in regions:
            for year in years:
                pop = _nl_population(year) if region == "NL01" else sum(_population(pops[m], year) for m in members)
                # CBS counts also KMar registrations and select differently: a few percent more.
                base = {code: sum(self.crime_yearly[(m, year)][code] for m in members) for code in SOORT_MISDRIJF}
                for group, (_title, codes) in groups.items():
                    count = 1.03 * (sum(base.values()) if codes is None else sum(base[c] for c in codes))
                    solved_share = 0.12 + 0.10 * min(pop / 60_000, 1.0) if region != "NL01" else 0.24
                    solved = count * solved_share
                    total5 = 5 * round(count / 5)
                    solved5 = 5 * round(solved / 5)
                    suspects5 = 5 * round(count * 0.18 / 5)
                    rows.append(
                        {
                            "ID": row_id,
                            "SoortMisdrijf": group,
                            "RegioS": _pad(region, 6),
                            "Perioden": f"{year}JJ00",
                            "TotaalGeregistreerdeMisdrijven_1": _value(float(total5)),
                            "GeregistreerdeMisdrijvenRelatief_2": f"{100.0 * total5 / max(total5, 1):>10.1f}",
                            "GeregistreerdeMisdrijvenPer1000Inw_3": f"{1000 * total5 / pop:>10.1f}",
                            "TotaalOpgehelderdeMisdrijven_4": _value(float(solved5)),
                            "OpgehelderdeMisdrijvenRelatief_5": f"{100.0 * solved5 / total5:>10.1f}" if total5 else ".",
                            "RegistratiesVanVerdachten_6": _value(float(suspects5)),
                        }
                    )
                    row_id += 1
        modified = "2026-04-30T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "83648NED",
                "Geregistreerde criminaliteit; soort misdrijf, regio",
                modified,
                f"{FIRST_YEAR}-{LAST_YEAR - 1}",
                "CBS",
            ),
            "DataProperties": [
                _data_property(0, "SoortMisdrijf", "Soort misdrijf", "Dimension"),
                _data_property(1, "RegioS", "Regio's", "GeoDimension"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
                _data_property(3, "TotaalGeregistreerdeMisdrijven_1", "Totaal geregistreerde misdrijven"),
                _data_property(
                    4,
                    "GeregistreerdeMisdrijvenRelatief_2",
                    "Geregistreerde misdrijven, relatief",
                    unit="%",
                    datatype="Double",
                ),
                _data_property(
                    5,
                    "GeregistreerdeMisdrijvenPer1000Inw_3",
                    "Geregistreerde misdrijven per 1000 inw.",
                    unit="per 1 000 inwoners",
                    datatype="Double",
                ),
                _data_property(6, "TotaalOpgehelderdeMisdrijven_4", "Totaal opgehelderde misdrijven"),
                _data_property(
                    7,
                    "OpgehelderdeMisdrijvenRelatief_5",
                    "Opgehelderde misdrijven, relatief",
                    unit="%",
                    datatype="Double",
                ),
                _data_property(8, "RegistratiesVanVerdachten_6", "Registraties van verdachten"),
            ],
            "dimensions": {
                "SoortMisdrijf": [{"Key": k, "Title": t, "Description": ""} for k, (t, _c) in groups.items()],
                "RegioS": [
                    r
                    for r in _regios(6, with_provinces=True)
                    if r["Key"].strip() not in PROVINCIES or r["Key"].strip() == DRENTHE
                ],
                "Perioden": _perioden(years, [], voorlopig_from=LAST_YEAR - 2),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- CBS 85146NED Veiligheidsmonitor
    def veiligheidsmonitor_85146(self) -> tuple[list[dict], dict]:
        # Long: few statements, each a long call or literal that the formatter spreads over one argument per line.
        measures = [
            (
                "RapportcijferLeefbaarheidWoonbuurt_18",
                "Rapportcijfer leefbaarheid woonbuurt",
                "rapportcijfer",
                {"NL01": (7.6, 7.6, 7.5), DRENTHE: (7.9, 7.9, 7.8)},
            ),
            (
                "ErvaartVeelOverlastInDeBuurt_33",
                "Ervaart veel overlast in de buurt",
                "%",
                {"NL01": (29.0, 32.0, 33.0), DRENTHE: (26.0, 28.0, 29.5)},
            ),
            (
                "VoeltZichWeleensOnveiligInBuurt_50",
                "Voelt zich wel eens onveilig in buurt",
                "%",
                {"NL01": (14.0, 15.0, 16.0), DRENTHE: (10.4, 11.0, 11.5)},
            ),
            (
                "RapportcijferVeiligheidInBuurt_60",
                "Rapportcijfer veiligheid in buurt",
                "rapportcijfer",
                {"NL01": (7.5, 7.4, 7.4), DRENTHE: (7.8, 7.8, 7.7)},
            ),
            (
                "SlachtoffersTraditioneleCriminaliteit_90",
                "Slachtoffers traditionele criminaliteit",
                "%",
                {"NL01": (17.0, 20.0, 19.0), DRENTHE: (13.5, 16.0, 15.5)},
            ),
            (
                "SlachtoffersOnlineCriminaliteit_120",
                "Slachtoffers online criminaliteit",
                "%",
                {"NL01": (17.0, 15.5, 16.5), DRENTHE: (15.0, 14.0, 15.0)},
            ),
        ]
        editions = (2021, 2023, 2025)
        margins = {"NL01": 0.4, DRENTHE: 1.5}
        rows: list[dict] = []
        row_id = 0
        for region, half in margins.items():
            for i, year in enumerate(editions):
                for marge, sign in (("MW00000", 0), ("MOG0095", -1), ("MBG0095", 1)):
                    row = {"ID": row_id, "Marges": marge, "RegioS": _pad(region, 6), "Perioden": f"{year}JJ00"}
                    for key, _title, unit, values in measures:
                        width = half * (0.1 if unit == "rapportcijfer" else 1.0)
                        row[key] = f"{values[region][i] + sign * width:>10.1f}"
                    rows.append(row)
                    row_id += 1
        modified = "2026-03-02T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "85146NED", "Veiligheidsmonitor; kerncijfers, regio", modified, "2021-2025", "CBS"
            ),
            "DataProperties": [
                _data_property(0, "Marges", "Marges", "Dimension"),
                _data_property(1, "RegioS", "Regio's", "GeoDimension"),
                _data_property(2, "Perioden", "Perioden", "TimeDimension"),
            ]
            + [
                _data_property(3 + i, key, title, unit=unit, datatype="Double")
                for i, (key, title, unit, _v) in enumerate(measures)
            ],
            "dimensions": {
                "Marges": [
                    {"Key": "MW00000", "Title": "Waarde", "Description": ""},
                    {"Key": "MOG0095", "Title": "Ondergrens 95%-interval", "Description": ""},
                    {"Key": "MBG0095", "Title": "Bovengrens 95%-interval", "Description": ""},
                ],
                "RegioS": [
                    {"Key": _pad("NL01", 6), "Title": "Nederland", "Description": ""},
                    {"Key": _pad(DRENTHE, 6), "Title": "Drenthe (PV)", "Description": ""},
                ],
                "Perioden": _perioden(list(editions), [], voorlopig_from=9999),
            },
        }
        return rows, metadata

    # ---------------------------------------------------------------- CBS 85361NED Veilig Thuis
    def veilig_thuis_85361(self) -> tuple[list[dict], dict]:
        halves = [(y, h) for y in range(2020, LAST_YEAR + 1) for h in (1, 2)]
        rows: list[dict] = []
        row_id = 0
        regions: list[tuple[str, float, np.random.Generator]] = [("NL01", _nl_population(2024), self.rng)] + [
            (g.code, _population(g, 2024), self.rng) for g in FIRST_DEMO
        ]
        regions += [(g.code, _population(g, 2024), _stream(g.code, 85361)) for g in ADDED]
        for region, pop, rng in regions:
            for year, half in halves:
                meldingen = self.poisson(pop / 1000 * 3.4 / 2 * 1.03 ** (year - 2020), rng)
                adviezen = self.poisson(pop / 1000 * 2.6 / 2, rng)
                cells = []
                for value in (meldingen, adviezen):
                    rounded = 5 * round(value / 5)
                    # CBS does not publish small counts: "." below 10.
                    cells.append("." if value < 10 else _value(float(rounded)))
                rows.append(
                    {
                        "ID": row_id,
                        "RegioS": _pad(region, 6),
                        "Perioden": f"{year}HJ0{half}",
                        "Meldingen_1": cells[0],
                        "Adviezen_2": cells[1],
                    }
                )
                row_id += 1
        modified = "2026-05-20T02:00:00"
        metadata = {
            "TableInfos": _table_infos(
                "85361NED", "Veilig Thuis; meldingen en adviezen, regio", modified, f"2020-{LAST_YEAR}", "CBS"
            ),
            "DataProperties": [
                _data_property(0, "RegioS", "Regio's", "GeoDimension"),
                _data_property(1, "Perioden", "Perioden", "TimeDimension"),
                _data_property(2, "Meldingen_1", "Meldingen"),
                _data_property(3, "Adviezen_2", "Adviezen"),
            ],
            "dimensions": {
                "RegioS": _regios(6),
                "Perioden": [
                    {
                        "Key": f"{y}HJ0{h}",
                        "Title": f"{y} {h}e halfjaar",
                        "Description": "",
                        "Status": "Voorlopig" if y >= LAST_YEAR else "Definitief",
                    }
                    for y, h in halves
                ],
            },
        }
        return rows, metadata


def gebieden_85755() -> tuple[list[dict], dict]:
    """CBS Gebieden in Nederland 2024 for the demo gemeenten: the provincie of each (real facts of the
    real codes; only the Gemeenten and Provincies groups of the table's many divisions)."""
    rows: list[dict] = []
    for g in GEMEENTEN:
        rows.append(
            {
                "ID": len(rows),
                "RegioS": _pad(g.code, 6),
                "Code_1": _pad(g.code, 10),
                "Naam_2": g.naam.ljust(40),
                "Code_3": _pad(g.provincie, 10),
                "Naam_4": PROVINCIES[g.provincie].removesuffix(" (PV)").ljust(40),
            }
        )

    def topic(i: int, key: str, title: str, parent: int) -> dict:
        return dict(
            _data_property(i, key, title, unit="code" if title == "Code" else "naam", datatype="String"),
            ParentID=parent,
        )

    metadata = {
        "TableInfos": _table_infos("85755NED", "Gebieden in Nederland 2024", "2024-03-01T02:00:00", "2024", "CBS"),
        "DataProperties": [
            _data_property(0, "RegioS", "Regio's", "GeoDimension"),
            {"ID": 1, "Key": "", "Title": "Gemeenten", "Type": "TopicGroup", "Description": ""},
            topic(2, "Code_1", "Code", 1),
            topic(3, "Naam_2", "Naam", 1),
            {"ID": 4, "Key": "", "Title": "Provincies", "Type": "TopicGroup", "Description": ""},
            topic(5, "Code_3", "Code", 4),
            topic(6, "Naam_4", "Naam", 4),
        ],
        "dimensions": {"RegioS": [r for r in _regios(6) if r["Key"].startswith("GM")]},
    }
    return rows, metadata


def generate(out_dir: Path, seed: int = SEED) -> list[Path]:
    """Write every demo table as a snapshot ``<out_dir>/<TABLE>/demo/``; replaces an older demo."""
    out_dir = Path(out_dir)
    gen = _Generator(seed)
    builders = [
        ("47013NED", gen.crime_47013),  # first: later tables reuse its yearly counts
        ("03759ned", gen.population_03759),
        ("85984NED", gen.kwb_2024),
        ("47018NED", gen.crime_buurten_47018),
        ("47021NED", gen.overlast_47021),
        ("47024NED", gen.overlast_buurten_47024),
        ("83648NED", gen.crime_cbs_83648),
        ("85146NED", gen.veiligheidsmonitor_85146),
        ("85361NED", gen.veilig_thuis_85361),
        ("85755NED", gebieden_85755),
    ]
    written = []
    for table_id, build in builders:
        rows, metadata = build()
        target = out_dir / table_id / DEMO_SNAPSHOT_ID
        if target.exists():
            shutil.rmtree(target)
        modified = metadata["TableInfos"]["Modified"]
        written.append(
            write_snapshot(
                out_dir, table_id, rows, metadata, _provenance(table_id, modified), snapshot_id=DEMO_SNAPSHOT_ID
            ).path
        )
    return written


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path("data/demo")
    for path in generate(out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
