"""Maps for the report: CBS/Kadaster boundaries, simplified for print, drawn as self-contained SVG.

No GIS stack: boundaries are read from the wijk- en buurtkaart GeoJSON in RD New (EPSG:28992,
metres) into :class:`Gebied` records (:mod:`.boundaries`), simplified along shared borders with
Douglas-Peucker (:mod:`.simplify`), and drawn as a classed choropleth or a location map
(:mod:`.choropleth`, colours and classes in :mod:`.classes`). The numbers behind a small-area map
come from :func:`veiligheidsanalyse.stats.smallarea.small_area_table`; :func:`map_values` turns
that table into what each area shows, and :func:`describe_map` into the alt text.

Typical use::

    buurten = read_boundaries(path, gemeentecode="GM1701", niveau="buurt")
    table = small_area_table(pooled, gemeente_code="GM1701", gemeente_naam="Westerveld")
    svg = choropleth_svg(buurten, map_values(table), title=..., description=describe_map(table, ...),
                         boundary_year=2024, legend_title="Misdrijven per 1.000 inwoners per jaar")
"""

from .boundaries import Gebied, Polygon, area_of, bounds_of, read_boundaries
from .choropleth import (
    MAX_BYTES,
    MapValue,
    check_codes,
    choropleth_svg,
    describe_map,
    location_svg,
    map_values,
)
from .classes import class_breaks, class_labels, palette
from .simplify import auto_tolerance, douglas_peucker, simplify_areas

__all__ = [
    "MAX_BYTES",
    "Gebied",
    "MapValue",
    "Polygon",
    "area_of",
    "auto_tolerance",
    "bounds_of",
    "check_codes",
    "choropleth_svg",
    "class_breaks",
    "class_labels",
    "describe_map",
    "douglas_peucker",
    "location_svg",
    "map_values",
    "palette",
    "read_boundaries",
    "simplify_areas",
]
