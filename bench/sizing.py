"""Database sizing for docs/PERFORMANCE.md: a real generated sample in PostgreSQL,
measured with pg_total_relation_size, then extrapolated to the province.

    python bench/sizing.py [--licences 10000] [--people 100000] [--enterprises 20000]
                           [--keep]

1. A fresh PostgreSQL database made by `onegate init --demo` (bench.harness).
2. Licences through the product's own bulk import (`onegate licenses import`): each
   line is a business licence with a distinct holder, signed (SD-JWT and offline QR),
   given a random status-list slot, an idempotency record and an audit entry, exactly
   as in production.
3. Sign-ins (``--sign-ins``): for each, a token family and its refresh token (what a
   code grant stores for REFRESH_TOKEN_TTL, 30 days) and an SSO session with its hall
   (SESSION_TTL, 8 hours), generated in SQL with the widths the code writes (32-hex
   family ids and jtis, 64-hex HMACs, 32-character sids, 22-character subs, the demo
   hall's client id and scope).
4. Accounts cloned in SQL from the demo person and enterprise that `init --demo` made
   (same argon2id hash length, same columns filled), with distinct random-looking
   sub, username, phone, ID number and credit code, inserted in random order so the
   B-tree indexes fill as they would from registrations; one legal-representative
   authorisation per enterprise.
5. VACUUM ANALYZE, then per table: rows, heap, indexes (each index by name) and
   pg_total_relation_size; bytes per row; and the figure for 90 million people,
   20 million enterprises and 100 million licences.

Prints a Markdown table and writes bench/results/sizing-*.json. Drops the database
unless --keep.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness  # noqa: E402

PEOPLE, ENTERPRISES, LICENCES = 90_000_000, 20_000_000, 100_000_000
#: Token families alive at once: 13 million password logins a day (docs/PERFORMANCE.md
#: "Sizing"), 2 halls each, kept REFRESH_TOKEN_TTL (30 days).
SIGN_INS_LIVE = 13_000_000 * 2 * 30
#: SSO sessions alive at once: 8 hours (SESSION_TTL) of the peak hour's 1.56 million
#: logins, each with 2 halls.
SESSIONS_LIVE = 8 * 1_560_000
#: table -> what its row count grows with at the province's scale (per unit of it)
GROWS_WITH = {
    "idp_accounts": "accounts", "idp_authorisations": "enterprises",
    "credential_licences": "licences", "credential_idempotency": "licences",
    "audit_entries": "licences", "credential_status_lists": "licences",
    # Per sign-in at a hall (a code grant): what lives until its expiry sweep.
    "oauth_token_families": "sign_ins", "oauth_refresh_tokens": "sign_ins",
    "idp_sso_sessions": "sessions", "idp_sso_participants": "participants",
}


def licence_lines(count: int, seed: int = 7) -> list[str]:
    """Business-licence import lines, each for its own enterprise (a valid USCC)."""
    from credentials.demo import BUSINESS_LICENCE
    from identifiers import uscc_check_character

    rng = random.Random(seed)
    lines = []
    for n in range(count):
        body17 = f"9144{rng.randrange(10**4):04d}MA{n:09d}"[:17]
        uscc = body17 + uscc_check_character(body17)
        lines.append(json.dumps({
            "type": BUSINESS_LICENCE.code, "serial": f"S{n:09d}",
            "holder": {"code_type": "001", "number": uscc,
                       "name": f"广州{rng.choice('岭南珠江天河越秀海珠')}科技有限公司{n}"},
            "claims": {"entity_type": "有限责任公司（自然人投资或控股）",
                       "legal_representative": rng.choice(["张三", "李四", "王五", "陈六"]),
                       "registered_capital": f"人民币{rng.randrange(10, 1000)}万元",
                       "established": f"20{rng.randrange(0, 25):02d}-0{rng.randrange(1, 10)}-1"
                                      f"{rng.randrange(0, 10)}",
                       "business_term": "长期", "address": f"广州市天河区天河路{n % 900 + 1}号",
                       "business_scope": "软件开发；信息技术咨询服务；数据处理和存储支持服务。",
                       "registration_authority": "广州市天河区市场监督管理局"}},
            ensure_ascii=False))
    return lines


CLONE_PEOPLE = """
INSERT INTO idp_accounts (sub, kind, username, password_hash, display_name, phone,
    phone_verified, email, email_verified, id_number, uscc, locale, locked,
    created_at, updated_at)
SELECT substr(md5('p' || n), 1, 22), a.kind, 'u' || substr(md5('u' || n), 1, 12),
    a.password_hash, a.display_name, '+86139' || lpad(n::text, 8, '0'), true,
    'p' || n || '@example.cn', false, '4401' || lpad(n::text, 13, '0') || 'X', NULL,
    a.locale, false, a.created_at, a.updated_at
FROM idp_accounts a, generate_series(1, %(count)s) AS n
WHERE a.kind = 'person' AND a.username = 'zhangsan'
ORDER BY random()
"""

SIGN_INS = ["""
INSERT INTO idp_sso_sessions (sid, account_id, auth_time, acr, amr, created_at, expires_at,
    device, last_seen_at)
SELECT substr(md5('s' || n), 1, 32), a.id, now(), 'loa-1', '["pwd"]', now(),
    now() + interval '8 hours', 'Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36', now()
FROM generate_series(1, %(count)s) AS n, idp_accounts a WHERE a.username = 'zhangsan'
ORDER BY random()
""", """
INSERT INTO idp_sso_participants (sid, client_id, first_seen)
SELECT substr(md5('s' || n), 1, 32), 'demo-hall-tianhe', now()
FROM generate_series(1, %(count)s) AS n
""", """
INSERT INTO oauth_token_families (family_id, client_id, sub, sid, scope, auth_time, acr, amr,
    created_at, expires_at)
SELECT md5('f' || n), 'demo-hall-tianhe', substr(md5('p' || n), 1, 22),
    substr(md5('s' || n), 1, 32), 'openid profile email phone', 1796000000, 'loa-1',
    '["pwd"]', now(), now() + interval '30 days'
FROM generate_series(1, %(count)s) AS n ORDER BY random()
""", """
INSERT INTO oauth_refresh_tokens (token_hash, family_id, access_jti, access_expires_at,
    created_at)
SELECT md5('r' || n) || md5('t' || n), md5('f' || n), md5('j' || n),
    now() + interval '10 minutes', now()
FROM generate_series(1, %(count)s) AS n ORDER BY random()
"""]

CLONE_ENTERPRISES = """
INSERT INTO idp_accounts (sub, kind, username, password_hash, display_name, phone,
    phone_verified, email, email_verified, id_number, uscc, locale, locked,
    created_at, updated_at)
SELECT substr(md5('e' || n), 1, 22), a.kind, 'e' || substr(md5('e' || n), 1, 12),
    a.password_hash, a.display_name, NULL, false, NULL, false, NULL,
    '9144' || lpad(n::text, 14, '0'), a.locale, false, a.created_at, a.updated_at
FROM idp_accounts a, generate_series(1, %(count)s) AS n
WHERE a.kind = 'enterprise' AND a.uscc IS NOT NULL
ORDER BY random()
"""

# One legal representative per cloned enterprise: the person cloned with the same n.
CLONE_AUTHORISATIONS = """
INSERT INTO idp_authorisations (enterprise_account_id, person_account_id, role,
    valid_from, granted_by, created_at)
SELECT e.id, p.id, 'legal', now(), 'demo', now()
FROM generate_series(1, %(count)s) AS n
JOIN idp_accounts e ON e.sub = substr(md5('e' || n), 1, 22)
JOIN idp_accounts p ON p.sub = substr(md5('p' || n), 1, 22)
"""

SIZES = """
SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid),
       pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
WHERE s.nspname = 'public' AND c.relkind = 'r'
ORDER BY pg_total_relation_size(c.oid) DESC
"""

INDEXES = """
SELECT t.relname, i.relname, pg_relation_size(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace
WHERE s.nspname = 'public' AND t.relname = ANY(%(tables)s)
ORDER BY t.relname, pg_relation_size(i.oid) DESC
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--licences", type=int, default=10_000)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--sign-ins", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="leave the database")
    args = parser.parse_args()
    import psycopg
    from psycopg import sql

    inst = harness.Instance(db="postgresql")
    started = time.monotonic()
    try:
        inst.create("sizing")
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False,
                                         encoding="utf-8") as handle:
            handle.write("\n".join(licence_lines(args.licences)) + "\n")
        began = time.monotonic()
        out = subprocess.run([harness.BIN / "onegate", "licenses", "import", handle.name,
                              "--department", "gdamr"], env=inst.env(), cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        imported = time.monotonic() - began
        Path(handle.name).unlink()
        print(out.strip().splitlines()[-1], f"({imported:.0f} s)", flush=True)
        dsn = f"{harness.POSTGRES.replace('postgresql+psycopg', 'postgresql')}/{inst.database}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(CLONE_PEOPLE, {"count": args.people})
            conn.execute(CLONE_ENTERPRISES, {"count": args.enterprises})
            conn.execute(CLONE_AUTHORISATIONS, {"count": args.enterprises})
            for statement in SIGN_INS:
                conn.execute(statement, {"count": args.sign_ins})
            conn.execute("VACUUM ANALYZE")
            count = sql.SQL("SELECT count(*) FROM {}")
            tables = {name: {"rows": conn.execute(count.format(sql.Identifier(name)))
                             .fetchone()[0], "heap": heap, "indexes": indexes,
                             "total": total}
                      for name, _, heap, indexes, total in conn.execute(SIZES).fetchall()}
            for table, index, size in conn.execute(INDEXES, {"tables": list(GROWS_WITH)}):
                tables[table].setdefault("by_index", {})[index] = size
            version = conn.execute("SHOW server_version").fetchone()[0]
    finally:
        if not args.keep:
            inst.drop()
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "command": " ".join(sys.argv),
              "postgresql": version, "sample": vars(args), "import_seconds": imported,
              "seconds": time.monotonic() - started, "tables": tables,
              "projection": project(tables, args)}
    print(report(result))
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"sizing-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"results: {path}")


def project(tables: dict, args) -> dict:
    """Bytes per unit (row of the sample's growth) and the province's figure."""
    sample = {"accounts": args.people + args.enterprises, "enterprises": args.enterprises,
              "licences": args.licences, "sign_ins": args.sign_ins,
              "sessions": args.sign_ins, "participants": args.sign_ins}
    scale = {"accounts": PEOPLE + ENTERPRISES, "enterprises": ENTERPRISES,
             "licences": LICENCES, "sign_ins": SIGN_INS_LIVE, "sessions": SESSIONS_LIVE,
             "participants": 2 * SESSIONS_LIVE}
    out = {}
    for table, unit in GROWS_WITH.items():
        size = tables.get(table)
        if size is None:
            continue
        per_unit = {k: size[k] / sample[unit] for k in ("heap", "indexes", "total")}
        out[table] = {"unit": unit, "rows_per_unit": size["rows"] / sample[unit],
                      **{f"{k}_per_unit": v for k, v in per_unit.items()},
                      "projected_total": per_unit["total"] * scale[unit],
                      "projected_indexes": per_unit["indexes"] * scale[unit]}
    return out


def report(result: dict) -> str:
    gib = 1024 ** 3
    lines = [f"sample: {result['sample']}; PostgreSQL {result['postgresql']}; import "
             f"{result['import_seconds']:.0f} s",
             "| table | sample rows | bytes/row heap | bytes/row indexes | bytes/row total | "
             "at scale (GiB) |", "|---|---:|---:|---:|---:|---:|"]
    total = 0.0
    for table, p in result["projection"].items():
        size = result["tables"][table]
        rows = max(size["rows"], 1)
        total += p["projected_total"]
        lines.append(f"| {table} | {size['rows']:,} | {size['heap'] / rows:,.0f} | "
                     f"{size['indexes'] / rows:,.0f} | {size['total'] / rows:,.0f} | "
                     f"{p['projected_total'] / gib:,.1f} |")
    lines.append(f"total of these at scale: {total / gib:,.0f} GiB")
    for table in result["projection"]:
        for index, size in result["tables"][table].get("by_index", {}).items():
            lines.append(f"  {table}.{index}: {size / max(result['tables'][table]['rows'], 1):.0f}"
                         " bytes/row")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
