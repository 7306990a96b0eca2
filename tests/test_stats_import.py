"""``import veiligheidsanalyse.stats`` must stay light: heavy libraries load only when used."""

import subprocess
import sys


def test_importing_stats_does_not_load_statsmodels_scipy_stats_or_pandas():
    code = (
        "import sys, veiligheidsanalyse.stats\n"
        "heavy = sorted(m for m in ('statsmodels', 'scipy.stats', 'pandas') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_statsmodels_loads_only_for_the_functions_that_need_it():
    code = (
        "import sys\n"
        "from veiligheidsanalyse.stats import rate, compare_periods\n"
        "rate(24, 20000); compare_periods(24, 1, 40, 1)\n"
        "print('statsmodels' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
