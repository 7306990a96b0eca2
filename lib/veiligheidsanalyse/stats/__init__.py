"""Statistics for small numbers: every verdict in a chapter comes from a test here.

Modules, one idea each: ``rates`` (Poisson intervals), ``compare`` (two periods, benchmark,
region), ``trend`` (Poisson regression over years), ``funnel`` (funnel plots with
over-dispersion), ``survey`` (Veiligheidsmonitor intervals and tests), ``signals`` (signaal /
alarm with a correction for many tests), ``disclosure`` (small-cell suppression), ``verdicts``
(plain-Dutch sentences and colour classes) and ``formatting`` (8,1 · 1.234 · 12%).

Importing this package loads only numpy; scipy, pandas and statsmodels are imported inside the
functions that need them, so a kernel that only formats numbers starts fast.
"""

from .compare import (
    BenchmarkComparison,
    PeriodComparison,
    compare_periods,
    compare_with_benchmark,
    compare_with_region,
)
from .disclosure import suppress_counts
from .formatting import format_change_pct, format_count, format_interval, format_nl, format_pct
from .funnel import Dispersion, estimate_overdispersion, funnel_assess, funnel_limits
from .rates import Rate, poisson_ci, pooled_rate, rate, rates_frame
from .signals import adjust_p, signal_levels
from .survey import SurveyComparison, SurveyInterval, compare_survey, survey_interval, wilson_ci
from .trend import Trend, poisson_trend
from .verdicts import (
    colour_class,
    funnel_direction,
    verdict,
    verdict_benchmark,
    verdict_funnel,
    verdict_periods,
    verdict_survey,
    verdict_trend,
)

__all__ = [
    "BenchmarkComparison",
    "Dispersion",
    "PeriodComparison",
    "Rate",
    "SurveyComparison",
    "SurveyInterval",
    "Trend",
    "adjust_p",
    "colour_class",
    "compare_periods",
    "compare_survey",
    "compare_with_benchmark",
    "compare_with_region",
    "estimate_overdispersion",
    "format_change_pct",
    "format_count",
    "format_interval",
    "format_nl",
    "format_pct",
    "funnel_assess",
    "funnel_direction",
    "funnel_limits",
    "poisson_ci",
    "poisson_trend",
    "pooled_rate",
    "rate",
    "rates_frame",
    "signal_levels",
    "suppress_counts",
    "survey_interval",
    "verdict",
    "verdict_benchmark",
    "verdict_funnel",
    "verdict_periods",
    "verdict_survey",
    "verdict_trend",
    "wilson_ci",
]
