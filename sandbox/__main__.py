"""Run the sandbox: ``python -m sandbox --host 127.0.0.1 --port 8081``."""

from __future__ import annotations

import argparse

import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig


def main(argv: list[str] | None = None) -> None:
    """Parse arguments and serve the sandbox with uvicorn until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="interface (default: loopback)")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--public-base-url",
        default=None,
        help="absolute base for download links, e.g. http://127.0.0.1:8081",
    )
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    config = SandboxConfig(public_base_url=args.public_base_url)
    print(
        f"kopdana sandbox: chat page http://{args.host}:{args.port}/ ; "
        f"bot API base http://{args.host}:{args.port} ; demo token {config.default_bot_token}"
    )
    uvicorn.run(
        create_app(config),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        timeout_graceful_shutdown=1,
    )


if __name__ == "__main__":
    main()
