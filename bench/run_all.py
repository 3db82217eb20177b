"""Run every benchmark in turn and print their figures (`make bench`).

Each script prints its own figures; pass --quick for shorter runs. Benchmarks
never fail a build: speed is read here, not asserted in tests.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK = {
    "oidc_throughput.py": ["--seconds", "3"],
    "credentials_issuance.py": ["--n", "10000", "--single", "100"],
    "status_list.py": [],
    "qr_render.py": ["--count", "20"],
    "verify_throughput.py": ["--seconds", "2"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    args = parser.parse_args()
    failed = []
    for script, quick_args in QUICK.items():
        print(f"\n== {script}", flush=True)
        command = [sys.executable, str(HERE / script), *(quick_args if args.quick else [])]
        if subprocess.run(command, cwd=HERE.parent).returncode != 0:
            failed.append(script)
    if failed:
        print(f"\nbenchmarks that did not finish: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
