"""QR render time per image: a typical offline licence text and a reference URL.

    python bench/qr_render.py [--count 50]
"""

from __future__ import annotations

import argparse
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def offline_text() -> str:
    from cryptography.hazmat.primitives.asymmetric import ec

    from credentials.formats import compact_licence, offline_qr

    packed = compact_licence.pack(
        identifier="1.2.156.3005.2.11100000MB0143028X001.11440000MB2C92125X.240101ABCDEFGH.001.Q",
        holder_name="广州市某某餐饮管理有限公司",
        holder_code_type="001", holder_code="91440300708461136T",
        key_claims={"permit_number": "JY14401060012345", "main_business_format": "餐饮服务经营者"},
        status_list_id="9f1c2a0b3d4e5f60", status_idx=48213)
    return offline_qr.encode(packed, private_key=ec.generate_private_key(ec.SECP256R1()),
                             kid="X1orPE1eb3BZ9oNl3x_2Zq7kT0a8mW4yHc5RjVt1sQE", alg="ES256",
                             iss="gdamr", iat=1_700_000_000, nbf=1_700_000_000,
                             exp=1_900_000_000)


def main() -> None:
    from credentials.formats import qr_image

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    texts = {"offline licence": offline_text(),
             "reference URL": "https://onegate.gd.gov.cn/v/1.2.156.3005.2.11100000MB0143028X001"
                              ".11440000MB2C92125X.240101ABCDEFGH.001.Q?t="
                              + secrets.token_urlsafe(16)}
    for label, text in texts.items():
        start = time.perf_counter()
        for _ in range(args.count):
            image = qr_image.render(text, max_version=40)
        per = (time.perf_counter() - start) / args.count
        print(f"{label:<16} {len(text):4d} chars -> QR version {image.version:2d} ({image.mode}): "
              f"{1000 * per:6.1f} ms per PNG+SVG, PNG {len(image.png):,} B")


if __name__ == "__main__":
    main()
