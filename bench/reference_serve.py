"""Serve bench/reference_app.py the way `onegate serve` serves onegate.

    python bench/reference_serve.py --port P [--server gthread] [--workers 1] [--threads 8]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from admin import serve  # noqa: E402
from admin.settings import SERVERS  # noqa: E402
from bench.reference_app import create_app  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--server", choices=SERVERS, default="gthread")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    serve.run(create_app, "127.0.0.1", args.port, args.workers, args.threads, args.server)


if __name__ == "__main__":
    main()
