"""Command line: ``veiligheidsanalyse init|run|fetch|validate|demo``.

Exit status of ``run`` (scheduled runs rely on it; see docs/scheduling.md):

== =====================================================================================
0  done: every report complete and published (``latest`` points at this run)
1  a chapter failed: that report is incomplete and its ``latest`` is not moved (the other
   reports of a config for several gemeenten are published when they are complete)
2  invalid configuration or partner input: nothing was run
3  data unavailable under the data policy (e.g. ``--require-fresh`` without network): nothing was run
4  another run of the same configuration is busy: this one did not start
== =====================================================================================
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import VeiligheidsanalyseError


def _parser() -> argparse.ArgumentParser:
    # Long: the command line's options, one statement each.
    parser = argparse.ArgumentParser(
        prog="veiligheidsanalyse",
        description="Reproduceerbare veiligheidsanalyse: hoofdstukken als notebooks, uitgevoerd met papermill.",
        epilog="Exit-status: 0 klaar; 1 hoofdstuk mislukt; 2 ongeldige configuratie of invoer; "
        "3 gegevens niet beschikbaar; 4 een andere run van dezelfde configuratie loopt al.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="schrijf een configuratie voor een gemeente, afgeleid uit de gegevens")
    init.add_argument("gemeente", help="CBS-gemeentecode, bv. GM0118")
    init.add_argument("--uit", type=Path, dest="out", help="bestand (standaard config/<naam>.yaml)")
    init.add_argument(
        "--beleid",
        choices=["fresh", "cache", "demo"],
        default="cache",
        help="waar de gegevens vandaan komen (standaard: cache, anders de demodata)",
    )
    init.add_argument("--overschrijf", action="store_true", help="vervang een bestaand bestand")
    _odata_url_option(init)

    run = sub.add_parser("run", help="maak het rapport voor een configuratie")
    run.add_argument("config", type=Path, help="run-configuratie, bv. config/westerveld.yaml")
    run.add_argument("--fetch", action="store_true", help="haal eerst de nieuwste open data op")
    run.add_argument(
        "--require-fresh",
        action="store_true",
        help="voor geplande runs: stop als verse gegevens niet opgehaald kunnen worden",
    )
    run.add_argument(
        "--policy",
        choices=["fresh", "require-fresh", "cache", "demo"],
        help="gegevensbeleid voor deze run (overschrijft data.beleid)",
    )
    run.add_argument(
        "--force", action="store_true", help="voer alle hoofdstukken opnieuw uit (anders alleen wat veranderd is)"
    )
    run.add_argument(
        "--gemeente",
        help="zelfde configuratie, andere gemeente (bv. GM1690); bij een configuratie "
        "voor meerdere gemeenten: alleen deze gemeente",
    )
    run.add_argument(
        "--hoofdstuk",
        action="append",
        dest="chapters",
        help="alleen dit hoofdstuk (herhaalbaar; 'regio' is het regionale rapport)",
    )
    run.add_argument(
        "--uitvoerder",
        choices=["snel", "eenvoudig"],
        help="hoe de hoofdstukken worden uitgevoerd: snel (gevorkte werkprocessen en kernels) of "
        "eenvoudig (papermill per hoofdstuk); overschrijft uitvoering.uitvoerder",
    )
    run.add_argument("--quiet", action="store_true", help="geen voortgangsregels")
    _odata_url_option(run)

    fetch = sub.add_parser("fetch", help="haal de open-data-tabellen op voor een configuratie")
    fetch.add_argument("config", type=Path)
    _odata_url_option(fetch)

    validate = sub.add_parser("validate", help="controleer configuratie en partnerbestanden")
    validate.add_argument("config", type=Path)

    demo = sub.add_parser("demo", help="genereer de demodata opnieuw")
    demo.add_argument("folder", type=Path, nargs="?", default=Path("data/demo"))
    return parser


def _odata_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--odata-url",
        metavar="URL",
        help="vraag de open data aan deze server in plaats van aan CBS en politie, als "
        "URL/<host>/ODataFeed/odata/<tabel>/... (spiegel, proxy, test); "
        "overschrijft de omgevingsvariabele VA_ODATA_URL",
    )


def _endpoint(args: argparse.Namespace):
    """The endpoint for ``--odata-url``; None without it (then VA_ODATA_URL or the real hosts)."""
    if not args.odata_url:
        return None
    from .store.build import default_endpoint

    return default_endpoint(args.odata_url)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _command(args)
    except VeiligheidsanalyseError as exc:  # the one place an error becomes a message and an exit status
        print(exc.user_message(), file=sys.stderr)
        return exc.exit_code


def _command(args: argparse.Namespace) -> int:
    if args.command == "run":
        from .report.runner import RunOptions, run

        policy = "require-fresh" if args.require_fresh else args.policy
        options = RunOptions(
            policy=policy,
            fetch=args.fetch,
            force=args.force,
            chapters=args.chapters,
            gemeente=args.gemeente,
            progress=False if args.quiet else None,
            endpoint=_endpoint(args),
            uitvoerder=args.uitvoerder,
        )
        try:
            result = run(args.config, options)
        except OSError as exc:  # e.g. a full disk before the run could start: a message, not a traceback
            where = f": {exc.filename}" if exc.filename else ""
            print(f"fout: {exc.strerror or exc}{where}; 'latest' is niet bijgewerkt", file=sys.stderr)
            return 1
        stream = sys.stdout if result.exit_code == 0 else sys.stderr
        if result.message:
            print(result.message, file=stream)
        return result.exit_code
    if args.command == "init":
        from .report.init_command import init_command

        return init_command(
            args.gemeente, out=args.out, policy=args.beleid, overwrite=args.overschrijf, endpoint=_endpoint(args)
        )
    if args.command == "validate":
        from .report.validate import validate_command

        return validate_command(args.config)
    if args.command == "fetch":
        from .report.fetch_command import fetch_command

        return fetch_command(args.config, endpoint=_endpoint(args))
    if args.command == "demo":
        from .sources.demo import main as demo_main

        return demo_main([str(args.folder)])
    return 2


def entry() -> int:
    """The ``veiligheidsanalyse`` command: :func:`main`, then a quick exit.

    Once the command is done, the collector would walk every object of the libraries a run loads
    (pandas, pyarrow, papermill, nbconvert) at interpreter exit, ~0.3 s of CPU for nothing;
    frozen, they are left to the operating system. Files are closed and streams flushed as usual.
    """
    import gc

    code = main()
    gc.freeze()
    return code


if __name__ == "__main__":
    raise SystemExit(entry())
