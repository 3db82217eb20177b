"""Instructions per in-process verification against one raw ES256 verify, counted by
valgrind's callgrind: repeatable whatever else the machine is doing (rates are not, on
a shared 2-core machine), so a change to the verifier's Python can be judged on a busy
machine. The figure that the target is stated in stays the rate ratio of
`bench/inprocess.py` (`make bench`): instructions of the interpreter and of OpenSSL's
bignum code do not take the same time each (here about 0.53 by instructions against
0.40 by rate, on the same code).

    python bench/verify_instructions.py        # needs valgrind (Debian: valgrind)

Each form is counted at 50 and 150 iterations inside one ``eval`` (callgrind collects
only inside ``builtin_eval``); the difference over 100 is the cost of one, set-up and
warm-up excluded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import sys
sys.path.insert(0, {root!r})
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from tests.verify.corpus import new_corpus
from verify.pipeline import Verifier
corpus = new_corpus()
text = corpus.case("valid", "sd_jwt")
key = corpus.active.private
data = b"x" * 600
signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
public = key.public_key()
verifier = Verifier(trust=corpus.trust(), status=corpus.status(), clock=lambda: corpus.now)
assert verifier.verify(text).valid
for _ in range(50):
    verifier.verify(text)
    public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
mode, count = sys.argv[1], int(sys.argv[2])


def loop():
    if mode == "raw":
        for _ in range(count):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    else:
        for _ in range(count):
            verifier.verify(text)


eval("loop()")
"""


def instructions(script: Path, mode: str, count: int) -> int:
    with tempfile.TemporaryDirectory() as out:
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--collect-atstart=no",
             "--toggle-collect=builtin_eval", f"--callgrind-out-file={out}/cg.out",
             sys.executable, str(script), mode, str(count)],
            capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if not found:
        sys.exit("callgrind printed no instruction count:\n" + run.stderr[-2000:])
    return int(found.group(1))


def main() -> None:
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "child.py"
        script.write_text(_CHILD.format(root=str(ROOT)))
        per = {mode: (instructions(script, mode, 150) - instructions(script, mode, 50)) / 100
               for mode in ("raw", "verify")}
    print(f"raw ES256 verify (cryptography):      {per['raw']:12,.0f} instructions")
    print(f"in-process SD-JWT VC verification:    {per['verify']:12,.0f} instructions")
    print(f"ratio raw / verification:             {per['raw'] / per['verify']:12.3f}")


if __name__ == "__main__":
    main()
