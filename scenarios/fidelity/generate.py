#!/usr/bin/env python3
"""Writes the point scenarios of `wsfo bench fidelity` (docs/fidelity.md).

Every point carries the same calibrated `simulation` block (SIMULATION below:
`wsfo calibrate` on this 2-core machine). Each point has its own 127.x block
of addresses. Run from this directory: python3 generate.py
"""
import json

SIMULATION = {
    "within_unit": {"latency": "100us", "bandwidth_mbps": 10000},
    "between_units": {"latency": "100us", "bandwidth_mbps": 10000},
    # `wsfo calibrate --testbed --duration 2s`, three runs on 2026-12-07 at
    # 12:01 UTC with every other process on the machine stopped, the median
    # of each figure. The message figure is a broadcast relayed to 1000
    # clients (docs/calibrate.md, "Relayed fan-out"). An upgrade and a
    # teardown are figures of their own: a killed process tears nothing down.
    "gateway_cpu": {"handshake": "122397ns", "message": "13959ns", "message_per_kib": "1002ns", "close": "46921ns"},
    # The broadcast figure is mostly the interval timer's wake-up (a noisy
    # least-squares intercept: 174, 180 and 209 us in the three runs); an
    # announcement at an upgrade costs its messages only.
    "backend_cpu": {"handshake": "76641ns", "broadcast": "180487ns", "message": "8996ns", "close": "28845ns"},
    # The live runs share this machine's two cores, the client fleet too: the
    # model plays them on one machine (docs/simulate.md, "Testbed").
    "testbed": {"cores": 2, "client_cpu": {"handshake": "45930ns", "message": "7050ns", "close": "23352ns"}},
}


def storm(name, clients, block):
    """One unit of 3 gateway nodes and 4 backends; the clients dial the unit's
    name (spread over the 3 nodes); node 1 is killed once everyone is connected."""
    base = f"127.{block}.1"
    return {
        "name": name,
        "description": f"Reconnect storm: {clients} clients over 3 gateway nodes of one unit, SIGKILL of one node at 8 s "
                       "(about a third of the clients reconnect to the other two).",
        "duration": "16s",
        "units": [{
            "name": "center", "label": "hangzhou",
            "subdomain": "center.fidelity.test",
            "public_url": "ws://center.fidelity.test:8020",
            "nodes": [{"name": f"center-gw{i}", "address": f"{base}.{i}", "port": 8020, "admin_port": 9020}
                      for i in (1, 2, 3)],
            "backends": [{"name": f"center-app{i}", "address": f"{base}.{20 + i}", "port": 8010, "announce": "self"}
                         for i in (1, 2, 3, 4)],
            "routes": [{"prefix": "/", "backends": [f"center-app{i}" for i in (1, 2, 3, 4)],
                        "balance": "round-robin"}],
        }],
        "domain": {"name": "fidelity.test", "cname": "center"},
        "gateway": {"correction": "redirect",
                    "router_id": {"sources": ["header"], "missing": "local", "modulus": 10000}},
        "rules": {"version": 1, "modulus": 10000, "ranges": [{"from": 0, "to": 9999, "unit": "center"}]},
        "clients": [{
            "name": "fleet",
            "router_ids": {"from": 0, "to": clients - 1},
            "url": "ws://fidelity.test:8020/ws", "mode": "header",
            "reconnect": {"backoff": {"base": "200ms", "cap": "2s", "jitter": 0.2}},
        }],
        "timeline": [
            {"at": "8s", "action": "kill", "node": "center-gw1", "expect": {"reconnect_within": "8s", "land_in": "center"}},
        ],
        "simulation": SIMULATION,
    }


def seed_cutover(name, fleet, block, interval=None, message_size=None):
    """The seed cutover (scenarios/seed-msha-cutover.json) with announce: all, shortened: cutover at 8 s of 16 s."""
    with open("../seed-msha-cutover.json") as f:
        s = json.load(f)
    s["name"] = name
    s["description"] = (f"The seed cutover with {fleet + 203} clients and the seed app's announce: all"
                        + (f", a {interval} broadcast of {message_size}-byte messages" if interval else "")
                        + "; cutover at 8 s.")
    s["duration"] = "16s"
    for u, unit in enumerate(s["units"]):
        for n, node in enumerate(unit["nodes"]):
            node["address"] = f"127.{block}.{u + 1}.{n + 1}"
        for b, backend in enumerate(unit["backends"]):
            backend["address"] = f"127.{block}.{u + 1}.{21 + b}"
            backend["announce"] = "all"
            if interval:
                backend["broadcast_interval"] = interval
                backend["message_size"] = message_size
    s["clients"][1]["router_ids"]["random"]["count"] = fleet
    s["timeline"] = [
        {"at": "8s", "action": "cutover", "rules": s["timeline"][0]["rules"], "fence": True, "catch_up": "1s",
         "expect": {"disconnected": {"slots": [{"from": 5998, "to": 6380}]}, "reconnect_within": "6s",
                    "land_in": "center", "no_dual_service": True}},
    ]
    s["simulation"] = SIMULATION
    return s


def steady(name, clients, block, interval, message_size):
    """A steady broadcast: one gateway, two backends broadcasting at a fixed rate; nothing happens."""
    base = f"127.{block}.1"
    return {
        "name": name,
        "description": f"Steady broadcast: {clients} clients on one gateway, two backends broadcasting a "
                       f"{message_size}-byte message every {interval} to each of their clients.",
        "duration": "12s",
        "units": [{
            "name": "center", "label": "hangzhou",
            "subdomain": "center.fidelity.test",
            "public_url": "ws://center.fidelity.test:8020",
            "nodes": [{"name": "center-gw1", "address": f"{base}.1", "port": 8020, "admin_port": 9020}],
            "backends": [{"name": f"center-app{i}", "address": f"{base}.{20 + i}", "port": 8010, "announce": "self",
                          "broadcast_interval": interval, "message_size": message_size} for i in (1, 2)],
            "routes": [{"prefix": "/", "backends": ["center-app1", "center-app2"], "balance": "round-robin"}],
        }],
        "domain": {"name": "fidelity.test", "cname": "center"},
        "gateway": {"correction": "redirect",
                    "router_id": {"sources": ["header"], "missing": "local", "modulus": 10000}},
        "rules": {"version": 1, "modulus": 10000, "ranges": [{"from": 0, "to": 9999, "unit": "center"}]},
        "clients": [{
            "name": "fleet",
            "router_ids": {"from": 0, "to": clients - 1},
            "url": "ws://fidelity.test:8020/ws", "mode": "header",
            "reconnect": {"fixed": {"delay": "1500ms"}},
        }],
        "timeline": [{"at": "6s", "action": "wait", "expect": {"disconnected": "none"}}],
        "simulation": SIMULATION,
    }


POINTS = [
    storm("storm-2k", 2000, 61),
    storm("storm-5k", 5000, 62),
    storm("storm-10k", 10000, 63),
    seed_cutover("cutover-1000", 797, 64),
    seed_cutover("cutover-2000", 1797, 65),
    seed_cutover("cutover-3200", 2997, 66),
    seed_cutover("cutover-2000-broadcast", 1797, 67, "20ms", 1024),
    steady("steady-broadcast", 1000, 68, "100ms", 256),
]

for point in POINTS:
    with open(point["name"] + ".json", "w") as f:
        json.dump(point, f, indent=2)
        f.write("\n")
