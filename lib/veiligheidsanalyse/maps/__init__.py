"""Maps for the report: CBS/Kadaster boundaries, simplified for print, drawn as self-contained SVG.

No GIS stack: boundaries are read from the wijk- en buurtkaart GeoJSON in RD New (EPSG:28992,
metres) into :class:`Gebied` records (:mod:`.boundaries`), simplified along shared borders with
Douglas-Peucker (:mod:`.simplify`), and drawn as a classed choropleth or a location map
(:mod:`.choropleth`, colours and classes in :mod:`.classes`). The numbers behind a small-area map
come from :func:`veiligheidsanalyse.stats.smallarea.small_area_table`; ``choropleth.map_values``
turns that table into what each area shows, and ``choropleth.describe_map`` into the alt text.

The package itself exports the geometry only: the data step reads and simplifies boundaries
without the drawing code and the statistics it needs (numpy, scipy). Callers that draw import
:mod:`.choropleth` (and :mod:`.classes`) explicitly.

Typical use::

    from veiligheidsanalyse.maps import read_boundaries
    from veiligheidsanalyse.maps.choropleth import choropleth_svg, describe_map, map_values

    buurten = read_boundaries(path, gemeentecode="GM1701", niveau="buurt")
    table = small_area_table(pooled, gemeente_code="GM1701", gemeente_naam="Westerveld")
    svg = choropleth_svg(buurten, map_values(table), title=..., description=describe_map(table, ...),
                         boundary_year=2024, legend_title="Misdrijven per 1.000 inwoners per jaar")
"""

from .boundaries import Gebied, Polygon, area_of, bounds_of, read_boundaries
from .simplify import auto_tolerance, douglas_peucker, simplify_areas

__all__ = [
    "Gebied",
    "Polygon",
    "area_of",
    "auto_tolerance",
    "bounds_of",
    "douglas_peucker",
    "read_boundaries",
    "simplify_areas",
]
