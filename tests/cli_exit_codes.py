#!/usr/bin/env python3
"""Every wsfo subcommand against the one exit-code table (README.md, "Exit codes").

Usage: cli_exit_codes.py WSFO SOURCE_DIR

Each subcommand (found in `wsfo --help` and its groups' help, so a new one
without a row here fails) is run with an unknown flag (2), with an invalid
input file where it takes one (1 for a check command, else 2), with a
missing or unwritable file (3), and, where it listens, with its address taken
(a part that cannot start: 2, not 3). Every case must fail before anything
starts: no process, socket or run directory outlives it.
"""
import concurrent.futures
import os
import json
import re
import socket
import subprocess
import sys
import tempfile

wsfo, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
GOOD_RULES = os.path.join(source, "scenarios/rules/seed-v1.json")
failures = []


def subcommands(path):
    """The leaves of the subcommand tree under `wsfo PATH...`, from the help text."""
    out = subprocess.run([wsfo, *path, "--help"], capture_output=True, text=True, timeout=30).stdout
    names = []
    if "Subcommands:" in out:
        block = out.split("Subcommands:", 1)[1]
        for line in block.splitlines()[1:]:
            match = re.match(r"^  (\S+)\s", line)
            if not match:
                break
            names.append(match.group(1))
    if not names:
        return [" ".join(path)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        return [leaf for leaves in pool.map(lambda name: subcommands([*path, name]), names) for leaf in leaves]


with tempfile.TemporaryDirectory(prefix="wsfo-exit-codes-") as tmp:
    bad = os.path.join(tmp, "bad.json")  # not JSON at all
    with open(bad, "w") as f:
        f.write("{ not json")
    empty_object = os.path.join(tmp, "empty.json")  # JSON, but no scenario, rules or config
    with open(empty_object, "w") as f:
        f.write("{}\n")
    bad_ids = os.path.join(tmp, "ids.txt")
    with open(bad_ids, "w") as f:
        f.write("1111\nnot-a-routerId\n")
    missing = os.path.join(tmp, "missing.json")
    unwritable = os.path.join(tmp, "no", "such", "dir", "events.jsonl")
    points_dir = os.path.join(tmp, "points")
    os.mkdir(points_dir)
    with open(os.path.join(points_dir, "broken.json"), "w") as f:
        f.write("{ not json")
    bad_run = os.path.join(tmp, "bad-run")  # a run directory whose scenario copy is not JSON
    os.mkdir(bad_run)
    for name, text in (("history.jsonl", ""), ("scenario.json", "{ not json"), ("run.json", "{}\n")):
        with open(os.path.join(bad_run, name), "w") as f:
            f.write(text)
    gw = ["--gateway", "a=unbj@127.0.0.1:1"]  # never contacted: every case fails before

    # Addresses held by this script (127.113.x, its own block), for the commands that would listen on them.
    held_tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held_tcp.bind(("127.113.0.1", 0))
    held_tcp.listen(1)
    taken = "127.113.0.1:%d" % held_tcp.getsockname()[1]
    held_udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    held_udp.bind(("127.113.0.2", 0))
    gateway_document = {
        "node": "unbj-gw1", "unit": "unbj", "listen": ["127.0.0.1:0"], "admin": {"listen": "127.0.0.1:0"},
        "units": {"center": {"public_url": "ws://center.wsfo.test:8080", "gateways": ["127.0.1.1:8080"]},
                  "unbj": {"public_url": "ws://unbj.wsfo.test:8080/", "gateways": ["127.0.2.1:8080"]}},
        "rules": {"version": 1, "modulus": 10000,
                  "ranges": [{"from": 0, "to": 5997, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]},
        "routes": [{"prefix": "/", "backends": ["127.0.0.1:9001"]}]}
    gateway_config = os.path.join(tmp, "gateway.json")  # valid; its addresses are never contacted
    with open(gateway_config, "w") as f:
        json.dump(gateway_document, f)
    tls_missing = os.path.join(tmp, "gateway-tls-missing.json")  # a certificate and key that are not there
    with open(tls_missing, "w") as f:
        json.dump({**gateway_document, "tls": {"certificate": missing, "key": missing}}, f)
    tls_invalid = os.path.join(tmp, "gateway-tls-invalid.json")  # a certificate and key that are not PEM
    with open(tls_invalid, "w") as f:
        json.dump({**gateway_document, "tls": {"certificate": bad, "key": bad}}, f)
    agent_config = os.path.join(tmp, "agent.json")  # its advert socket's address is held
    with open(agent_config, "w") as f:
        json.dump({"node": "a", "address": "127.113.0.2", "advert_port": held_udp.getsockname()[1],
                   "instances": [{"name": "vip", "vrid": 60, "vips": [{"address": "127.113.0.3", "port": 8080}],
                                  "priority": 100, "advert_int": "1s", "variant": "keepalived_v2",
                                  "peers": ["127.113.0.4"]}]}, f)
    gateway_open = ["--config", gateway_config, "--no-admin-auth"]
    notify = ["--node", "s1", "--state-dir", tmp]

    # subcommand -> [(arguments after the subcommand, expected code, what the case is)]
    cases = {
        "rules diff": [([bad, GOOD_RULES], 2, "invalid rules"), ([empty_object, GOOD_RULES], 2, "not rules"),
                       ([missing, GOOD_RULES], 3, "missing file")],
        "scenario check": [([bad], 1, "invalid scenario"), ([empty_object], 1, "not a scenario"),
                           ([missing], 3, "missing file")],
        "run": [([bad], 2, "invalid scenario"), ([empty_object], 2, "not a scenario"), ([missing], 3, "missing")],
        "demo": [(["--scenario", bad], 2, "invalid scenario"), (["--scenario", missing], 3, "missing file")],
        "simulate": [([bad], 2, "invalid scenario"), ([missing], 3, "missing file"),
                     ([bad, "--sweep", "g=1..2"], 2, "sweep, invalid scenario"),
                     ([missing, "--sweep", "g=1..2"], 3, "sweep, missing file")],
        "crosscheck": [([bad], 2, "invalid scenario"), ([missing], 3, "missing file")],
        "cutover": [(["--rules", bad, *gw], 2, "invalid rules"), (["--rules", missing, *gw], 3, "missing rules"),
                    (["--rules", GOOD_RULES, "--scenario", bad], 2, "invalid scenario"),
                    (["--rules", GOOD_RULES, "--scenario", missing], 3, "missing scenario"),
                    (["--rules", GOOD_RULES, *gw, "--token-file", missing], 3, "missing token file")],
        "report": [([bad_run], 2, "invalid scenario copy"), ([os.path.join(tmp, "nope")], 3, "missing run dir"),
                   (["--compare", os.path.join(tmp, "nope"), bad_run], 3, "compare, missing run dir")],
        "backend": [(["--listen", "not-an-address"], 2, "invalid flag value"),
                    (["--listen", taken], 2, "listen address taken")],
        "clients": [(["--url", "ws://127.0.0.1:1/", "--router-ids-file", bad_ids], 2, "invalid routerIds file"),
                    (["--url", "ws://127.0.0.1:1/", "--router-ids-file", missing], 3, "missing routerIds file"),
                    (["--url", "ws://127.0.0.1:1/", "--router-ids", "1", "--events", unwritable], 3,
                     "unwritable events file")],
        "gateway": [(["--config", bad], 2, "invalid config"), (["--config", empty_object], 2, "not a config"),
                    (["--config", missing], 3, "missing config"),
                    ([*gateway_open, "--listen", taken], 2, "listen address taken"),
                    ([*gateway_open, "--admin", taken], 2, "admin address taken"),
                    ([*gateway_open, "--state-file", unwritable], 3, "unwritable state file"),
                    (["--config", tls_missing, "--no-admin-auth"], 3, "missing TLS certificate"),
                    (["--config", tls_invalid, "--no-admin-auth"], 2, "invalid TLS certificate")],
        "vrrp-agent": [(["--config", bad], 2, "invalid config"), (["--config", missing], 3, "missing config"),
                       (["--config", agent_config], 2, "advert address taken")],
        "vip-notify": [(["--events", os.path.join(tmp, "e.jsonl"), *notify, "INSTANCE", "v", "SLAVE", "1"], 2,
                        "invalid keepalived arguments"),
                       (["--events", unwritable, *notify, "INSTANCE", "v", "MASTER", "1"], 3,
                        "unwritable events file")],
        "calibrate": [(["--into", bad], 2, "invalid scenario"), (["--into", missing], 3, "missing scenario"),
                      (["--links-from", bad], 2, "invalid links file"), (["--links-from", missing], 3, "missing")],
        "bench clients": [],
        "bench gateway": [(["--duration", "soon"], 2, "invalid flag value")],
        "bench storm": [(["--clients", "many"], 2, "invalid flag value")],
        "bench simulate": [([bad, "--out", os.path.join(tmp, "bench-sim")], 2, "invalid scenario"),
                           ([missing, "--out", os.path.join(tmp, "bench-sim")], 3, "missing scenario")],
        "bench takeover": [(["--runs", "0"], 2, "invalid flag value")],
        "bench fidelity": [(["--points-dir", points_dir], 2, "invalid point"),
                           (["--points-dir", os.path.join(tmp, "nope")], 3, "missing folder"),
                           (["--live-from", os.path.join(tmp, "nope")], 3, "missing live folder")],
    }

    found = subcommands([])
    for name in found:
        if name not in cases:
            failures.append(f"`wsfo {name}` has no row in tests/cli_exit_codes.py: add its cases")
    for name in cases:
        if name not in found:
            failures.append(f"`wsfo {name}` is not in `wsfo --help` any more: remove its row")

    cwd = os.path.join(tmp, "cwd")  # where a command would write reports/out/...
    os.mkdir(cwd)
    def check(name, args, expected, what):
        """One case: the failure it found, or None."""
        argv = [wsfo, *name.split(), *args]
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=cwd,
                                    stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            return f"wsfo {name} ({what}): still running after 30 s: {' '.join(argv[1:])}"
        message = result.stderr.strip()
        if result.returncode != expected:
            return (f"wsfo {name} ({what}): exit {result.returncode}, expected {expected}: {' '.join(argv[1:])}\n"
                    f"    stderr: {message[-400:]}")
        if not message:
            return f"wsfo {name} ({what}): exit {result.returncode} without a message on stderr"
        return None

    all_cases = [(name, *row) for name in found
                 for row in [(["--no-such-flag"], 2, "unknown flag")] + cases.get(name, [])]
    # Several at once: a sanitized wsfo spends most of a failing case's wall time starting and exiting.
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        failures += [f for f in pool.map(lambda case: check(*case), all_cases) if f]
    ran = len(all_cases)
    held_tcp.close()
    held_udp.close()
    if os.listdir(cwd):
        failures.append(f"a failing case wrote into its working directory: {os.listdir(cwd)}")

    # --version names the libraries wsfo was built with.
    version = subprocess.run([wsfo, "--version"], capture_output=True, text=True, timeout=30)
    if version.returncode != 0 or not re.search(
            r"Boost \d+\.\d+\.\d+, SimGrid \d+\.\d+\.\d+, nlohmann/json \d+\.\d+\.\d+", version.stdout):
        failures.append(f"wsfo --version: exit {version.returncode}, output {version.stdout!r}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"{ran} cases over {len(found)} subcommands: every exit code as in the table")
