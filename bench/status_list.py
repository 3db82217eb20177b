"""Status list build time and compressed size: 10,000,000 entries (2 bits) at 1% revoked.

Target (issue 9): the compressed list at most 200 KB, built (bits set, compressed,
signed as a Status List Token) in at most 2 s.

    python bench/status_list.py [--n 10000000] [--revoked 0.01]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench._rss import print_rss  # noqa: E402

TARGET_BYTES = 200_000
TARGET_SECONDS = 2.0


def main() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from credentials.formats import base64url, status_list

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000)
    parser.add_argument("--revoked", type=float, default=0.01)
    args = parser.parse_args()
    revoked = {secrets.randbelow(args.n) for _ in range(int(args.n * args.revoked))}
    key = ec.generate_private_key(ec.SECP256R1())
    start = time.perf_counter()
    bits = status_list.StatusList(args.n, 2)
    for idx in revoked:
        bits.set(idx, status_list.INVALID)
    filled = time.perf_counter()
    lst = bits.to_compressed()
    compressed = time.perf_counter()
    token = status_list.status_list_jwt(bits, uri="https://x/issuers/d/status/1", iat=0,
                                        exp=10**10, ttl=300, private_key=key, alg="ES256",
                                        kid="k")
    signed = time.perf_counter()
    back = status_list.StatusList.from_compressed(lst, bits=2)
    assert back.to_bytes() == bits.to_bytes()
    zlib_bytes = len(base64url.decode(lst))
    total = signed - start
    print(f"{args.n:,} entries, {len(revoked):,} revoked (2 bits): raw {args.n // 4:,} B, "
          f"zlib {zlib_bytes:,} B, lst {len(lst):,} chars, JWT {len(token):,} B")
    print(f"set bits {1000 * (filled - start):.1f} ms, compress {1000 * (compressed - filled):.1f}"
          f" ms, sign {1000 * (signed - compressed):.1f} ms, total {1000 * total:.1f} ms")
    size_ok = "met" if len(lst) <= TARGET_BYTES else "MISSED"
    time_ok = "met" if total <= TARGET_SECONDS else "MISSED"
    print(f"target: lst <= {TARGET_BYTES:,} chars -> {size_ok}; "
          f"build <= {TARGET_SECONDS:.0f} s -> {time_ok}")
    print_rss()


if __name__ == "__main__":
    main()
