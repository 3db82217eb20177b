"""Run pip-audit over constraints.txt and say plainly what it could check.

pip-audit lists every dependency it could not look up (no vulnerability service
reachable, as on machines that reach only a package mirror) at length and still
exits 0. This prints the vulnerabilities found (exit 1 if any is not ignored in
the Makefile's PIP_AUDIT_IGNORE) and one line counting what was and was not
audited, so nobody mistakes an audit that saw nothing for a clean one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    pip_audit, *extra = argv
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "audit.json"
        command = [pip_audit, "-r", "constraints.txt", "--no-deps", "--disable-pip",
                   "--progress-spinner", "off", "-f", "json", "-o", str(report), *extra]
        # The venv's own pip-audit, named by make: no untrusted input.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not report.exists():
            print(f"pip-audit failed ({done.returncode}): {done.stderr.strip()[-500:]}")
            return 1
        dependencies = json.loads(report.read_text())["dependencies"]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    found = [(d["name"], d["version"], v["id"]) for d in dependencies for v in d.get("vulns", [])]
    for name, version, advisory in found:
        print(f"pip-audit: {name} {version}: {advisory}")
    print(f"pip-audit: {len(dependencies) - len(skipped)} of {len(dependencies)} pinned "
          f"packages audited, {len(found)} known vulnerabilities"
          + (f"; {len(skipped)} could not be looked up (no vulnerability service reachable "
             "from here: run `make security` where PyPI's JSON API or OSV answers)"
             if skipped else ""))
    strict_failure = "--strict" in extra and bool(skipped)
    return 1 if found or strict_failure or done.returncode not in (0, 1) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
