"""Command line: ``python -m services.sandbox [--port 8100] [--sip2-port 8101] ...``.

Serves the sandbox network until interrupted (HTTP, and SIP2 for patrons), after printing
each library's OAI-PMH URL; with ``--write-config PATH`` it writes the matching network.toml
instead and exits; with ``--patrons`` it prints every library's patrons (cards, PINs) and
exits. ``--libraries N`` serves N libraries rather than five: beyond five, copies of the
five under new ids (``services.sandbox.libraries.network_libraries``).
"""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from pathlib import Path

import uvicorn

from services.sandbox.app import create_app
from services.sandbox.config import network_toml
from services.sandbox.faults import FaultInjector
from services.sandbox.generator import SandboxNetwork
from services.sandbox.libraries import DEFAULT_COUNT, network_libraries
from services.sandbox.patrons import patrons_listing
from services.sandbox.sip2 import DEFAULT_PORT as SIP2_PORT
from services.sandbox.sip2 import Sip2Sandbox, serve_sip2
from services.sandbox.state import RequestCounter
from services.serving import quiet_config


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m services.sandbox",
        description="Simulated member-library ILSs (OAI-PMH, MARC dumps) on HTTP.",
    )
    cli.add_argument("--host", default="127.0.0.1")
    cli.add_argument("--port", type=int, default=8100)
    cli.add_argument("--records", type=int, default=2000, help="records in the whole network")
    cli.add_argument("--libraries", type=_positive, default=DEFAULT_COUNT, metavar="N",
                     help="member libraries (default 5); beyond five, copies of the five "
                          "under new ids: mediatheque-fm-2, reseau-agglo-2...")
    cli.add_argument("--seed", type=int, default=42)
    cli.add_argument("--sip2-port", type=int, default=SIP2_PORT,
                     help="port of the SIP2 server (patrons' cards and PINs); 0: none")
    cli.add_argument("--page-size", type=int, default=100, help="OAI-PMH records per page")
    cli.add_argument("--write-config", type=Path, metavar="PATH",
                     help="write a network.toml for these libraries to PATH and exit")
    cli.add_argument("--patrons", action="store_true",
                     help="print every library's patrons (card, PIN, category) and exit")
    cli.add_argument("--log-level", default="warning")
    return cli


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, not {number}")
    return number


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    network = SandboxNetwork(seed=args.seed, total_records=args.records,
                             libraries=network_libraries(args.libraries))
    base_url = f"http://{args.host}:{args.port}"
    if args.patrons:
        print(patrons_listing([library.id for library in network.libraries]))
        return 0
    if args.write_config:
        args.write_config.parent.mkdir(parents=True, exist_ok=True)
        args.write_config.write_text(network_toml(base_url, network, sip2_port=args.sip2_port),
                                     encoding="utf-8")
        print(f"wrote {args.write_config} for {len(network.libraries)} libraries at {base_url}")
        return 0
    print(f"sandbox network at {base_url} ({args.records} records, seed {args.seed})")
    for library_id, cat in network.catalogues.items():
        print(f"  {library_id:<16} {cat.count:>7} records  {base_url}/{library_id}/oai")
    serve(args, network)
    return 0


def serve(args: argparse.Namespace, network: SandboxNetwork) -> None:
    """HTTP in this thread, SIP2 (if asked for) in another, sharing faults and counts."""
    faults, requests = FaultInjector(), RequestCounter()
    config = quiet_config(create_app(network, page_size=args.page_size, faults=faults,
                                     requests=requests), log_level=args.log_level)
    config.host, config.port = args.host, args.port
    with ExitStack() as stack:
        if args.sip2_port:
            stack.enter_context(serve_sip2(Sip2Sandbox(network, faults, requests),
                                           args.host, args.sip2_port))
            print(f"  patrons over SIP2 at {args.host}:{args.sip2_port} "
                  "(python -m services.sandbox --patrons lists them)")
        sys.stdout.flush()
        uvicorn.Server(config).run()


if __name__ == "__main__":
    sys.exit(main())
