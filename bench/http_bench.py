"""`make bench`: onegate beside its references, in one run, as ratios against the
targets of issue 9.

onegate (`onegate serve`, one worker, 8 threads) and the reference app
(bench/reference_app.py, served the same way) are pinned to core 0; wrk (32
connections) to core 1. In-process figures run pinned to core 0 as well. Each
measurement has a warm-up and a fixed duration; references are measured before and
after ours and averaged (their drift shows how busy the machine was).

    python bench/http_bench.py [--quick] [--only jwks,token] [--server gthread]
                               [--db sqlite|postgresql] [--node]

``--node`` (``make bench NODE=1``) adds node-oidc-provider (bench/node/, one process
pinned to the same core) as a second reference for the token and introspection rows;
without it nothing here needs Node.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import harness, node_reference  # noqa: E402
from bench.harness import Load  # noqa: E402

#: name -> (reference, target ratio); the reference is measured in the same run.
TARGETS = {
    "jwks": ("hello", 0.9), "discovery": ("hello", 0.9), "trust-list": ("hello", 0.9),
    "status-list": ("hello", 0.9), "token": ("hello", 0.6), "introspect": ("hello", 0.7),
    "verify": ("ref-verify", 0.8), "login": ("argon2id", 0.8),
    "inprocess-verify": ("raw-es256", 0.5),
}
HTTP = [n for n in TARGETS if n != "inprocess-verify"]
FORM = "application/x-www-form-urlencoded"


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def onegate_loads(inst: harness.Instance) -> dict[str, Load]:
    """The requests, checked once each over HTTP before wrk repeats them."""
    base, auth = inst.url, basic("demo-dept-gdamr", inst.logins["demo-dept-gdamr"])
    token_body = urlencode({"grant_type": "client_credentials", "scope": "licenses:verify"})
    token = requests.post(base + "/oauth/token", data=token_body, timeout=30,
                          headers={"Authorization": auth, "Content-Type": FORM})
    token.raise_for_status()
    access = token.json()["access_token"]
    introspect_body = urlencode({"token": access})
    active = requests.post(base + "/oauth/introspect", data=introspect_body, timeout=30,
                           headers={"Authorization": auth, "Content-Type": FORM}).json()
    assert active.get("active") is True, active
    every_scope = requests.post(base + "/oauth/token", timeout=30,  # may read its licences
                                data={"grant_type": "client_credentials"},
                                headers={"Authorization": auth}).json()["access_token"]
    licence = requests.get(f"{base}/api/v1/licenses/{inst.licence}", timeout=30,
                           headers={"Authorization": f"Bearer {every_scope}"})
    licence.raise_for_status()
    credential = json.dumps({"credential": licence.json()["sd_jwt"]})
    checked = requests.post(base + "/api/v1/verify", data=credential, timeout=30,
                            headers={"Content-Type": "application/json"}).json()
    assert checked.get("valid") is True, checked
    login = login_load(inst)
    return {
        "jwks": Load(base + "/jwks"),
        "discovery": Load(base + "/.well-known/openid-configuration"),
        "trust-list": Load(base + "/api/v1/trust-list"),
        "status-list": Load(licence.json()["status"]["uri"]),
        "token": Load(base + "/oauth/token", "POST",
                      {"Authorization": auth, "Content-Type": FORM}, token_body),
        "introspect": Load(base + "/oauth/introspect", "POST",
                           {"Authorization": auth, "Content-Type": FORM}, introspect_body),
        "verify": Load(base + "/api/v1/verify", "POST",
                       {"Content-Type": "application/json"}, credential),
        "login": login,
    }


def login_load(inst: harness.Instance) -> Load:
    """POST /login with zhangsan's password, the form's CSRF token and its cookie; the
    CSRF token is per session, so the same request can be repeated."""
    http = requests.Session()
    page = http.get(inst.url + "/login", timeout=30)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
    body = urlencode({"csrf_token": csrf, "login": "zhangsan",
                      "password": inst.logins["zhangsan"], "next": "/account"})
    headers = {"Content-Type": FORM, "Cookie": cookie, "Referer": inst.url + "/login"}
    first = requests.post(inst.url + "/login", data=body, headers=headers, timeout=30,
                          allow_redirects=False)
    assert first.status_code == 302, (first.status_code, first.text[:300])
    # 8 connections, one per server thread: every login is an argon2id run of ~20-40 ms
    # on the one core, so 32 connections only queued (4 s each on a loaded machine,
    # none finished inside a 3 s row)
    return Load(inst.url + "/login", "POST", headers, body, connections=8)


def reference_loads(url: str) -> dict[str, Load]:
    sample = requests.get(url + "/sample", timeout=10).text
    return {"hello": Load(url + "/hello"),
            "ref-verify": Load(url + "/verify", "POST", {"Content-Type": "application/json"},
                               sample)}


def in_process(seconds: float) -> dict:
    out = subprocess.run(["taskset", "-c", harness.SERVER_CORE, sys.executable,
                          str(ROOT / "bench/inprocess.py"), "--seconds", str(seconds)],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(args) -> dict:
    only = [n.strip() for n in args.only.split(",")] if args.only else list(TARGETS)
    unknown = set(only) - set(TARGETS)
    if unknown:
        sys.exit(f"unknown endpoints {sorted(unknown)}; known: {', '.join(TARGETS)}")
    seconds, warmup = (3, 1) if args.quick else (args.seconds, 2)
    refs_needed = {TARGETS[n][0] for n in only}
    inst = harness.Instance(db=args.db)
    ours, refs, figures = {}, {}, {"hello": [], "ref-verify": []}
    processes = []
    try:
        inst.create()
        server = inst.serve(args.server)
        processes.append(server)
        ref_url, ref = harness.serve_reference(args.server)
        processes.append(ref)
        loads, ref_loads = onegate_loads(inst), reference_loads(ref_url)
        node, node_loads = None, {}
        if args.node and set(node_reference.ROWS) & set(only):
            node = node_reference.NodeProvider().start()
            processes.append(node.process)
            node_loads = {name: load for name, load in node.loads().items()
                          if any(name in node_reference.ROWS[row] for row in only
                                 if row in node_reference.ROWS)}
        references = {**{n: ref_loads[n] for n in ("hello", "ref-verify") if n in refs_needed},
                      **node_loads}

        def measure_references() -> None:
            for name, load in references.items():
                figures.setdefault(name, []).append(harness.wrk(load, seconds, warmup))
                print(f"  {name:<18} {figures[name][-1]['rate']:9.1f} /s", flush=True)

        measure_references()
        for name in only:
            if name in loads:
                ours[name] = harness.wrk(loads[name], seconds, warmup,
                                         timeout=30 if name == "login" else 10)
                print(f"  {name:<18} {ours[name]['rate']:9.1f} /s", flush=True)
        measure_references()
        if node is not None:
            node.check_active()
        rss = {"onegate": harness.worker_rss_kib(server), "reference": harness.worker_rss_kib(ref)}
        if node is not None:
            rss["node-oidc-provider"] = node_reference.rss_kib(node.process)
        for name, runs in figures.items():
            if runs:
                refs[name] = {"rate": sum(r["rate"] for r in runs) / len(runs),
                              "runs": [r["rate"] for r in runs]}
        if {"argon2id", "raw-es256"} & refs_needed:
            local = in_process(seconds)
            refs["argon2id"] = {"rate": local["argon2id_verify"],
                                "params": local["argon2id_params"]}
            refs["raw-es256"] = {"rate": local["raw_es256_verify"]}
            ours["inprocess-verify"] = {"rate": local["inprocess_verify"]}
    finally:
        for process in processes:
            harness.stop(process)
        inst.drop()
    rows = []
    for name in only:
        ref_name, target = TARGETS[name]
        mine, theirs = ours[name]["rate"], refs[ref_name]["rate"]
        ratio = mine / theirs if theirs else 0.0
        rows.append({"endpoint": name, "ours": mine, "reference": ref_name,
                     "reference_rate": theirs, "ratio": ratio, "target": target,
                     "verdict": "PASS" if ratio >= target else "MISS", "detail": ours[name]})
        for node_name in node_reference.ROWS.get(name, ()):
            if node_name in refs:
                theirs = refs[node_name]["rate"]
                rows.append({"endpoint": name, "ours": mine, "reference": node_name,
                             "reference_rate": theirs, "ratio": mine / theirs if theirs else 0.0,
                             "target": None, "verdict": "-", "detail": ours[name]})
    return {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "server": args.server, "db": args.db,
            "seconds": seconds, "connections": harness.CONNECTIONS,
            "command": " ".join(sys.argv), "rows": rows, "references": refs,
            "rss_kib": rss, "load": _loadavg(),
            "node": node_reference.version() if args.node else None}


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" 1")[0].strip()


def table(result: dict) -> str:
    lines = [f"onegate vs references, {result['server']}, 1 worker x 8 threads on core 0, "
             f"wrk -c{result['connections']} (login -c8) on core 1, {result['seconds']} s each, "
             f"{result['db']}",
             "| endpoint | onegate /s | reference | reference /s | ratio | target | verdict |",
             "|---|---:|---|---:|---:|---:|---|"]
    for r in result["rows"]:
        target = "-" if r["target"] is None else f"{r['target']:.1f}"
        lines.append(f"| {r['endpoint']} | {r['ours']:,.0f} | {r['reference']} | "
                     f"{r['reference_rate']:,.0f} | {r['ratio']:.2f} | {target} | "
                     f"{r['verdict']} |")
    refs = result["references"]
    drift = ", ".join(f"{k} {' / '.join(f'{x:,.0f}' for x in v['runs'])}"
                      for k, v in refs.items() if len(v.get("runs", [])) > 1)
    if drift:
        lines.append(f"references before / after: {drift}")
    if result.get("node"):
        lines.append(f"second reference: {result['node']}, one process on core 0 (bench/node/)")
    rss = result["rss_kib"]
    node = (f", node-oidc-provider {(rss['node-oidc-provider'] or 0) / 1024:.0f} MiB"
            if "node-oidc-provider" in rss else "")
    lines.append(f"RSS per worker: onegate {(rss['onegate'] or 0) / 1024:.0f} MiB, reference "
                 f"{(rss['reference'] or 0) / 1024:.0f} MiB{node}; load average {result['load']}")
    return "\n".join(lines)


def save(result: dict, stem: str) -> Path:
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    (folder / f"{stem}-latest.json").write_text(json.dumps(result, indent=2))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s per endpoint")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--only", default="", help=f"comma-separated: {','.join(TARGETS)}")
    parser.add_argument("--server", default=None, help="default: ONEGATE_SERVER's default")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--node", action="store_true",
                        help="node-oidc-provider beside the token and introspect rows "
                             "(needs node and npm: apt-get install -y nodejs npm)")
    args = parser.parse_args()
    if args.server is None:
        from admin.settings import BY_NAME

        args.server = BY_NAME["SERVER"].default
    result = run(args)
    print(table(result))
    print(f"results: {save(result, 'bench')}")


if __name__ == "__main__":
    main()
