#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<target>/ from the cases the unit
tests use (tests/unit/*): a few small files per target, and the dictionaries
of fuzz/dict/ (the keys and words the readers look for, taken from their
sources). Rerun after changing a target's input layout or a reader's keys;
libFuzzer grows its own corpus from these in build/fuzz/corpus/, never here."""
import json
import pathlib
import re
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"


def write(target, name, data):
    folder = OUT / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


# ---- handshake: the request head, then (read from the end) the split point,
# whether the gateway is full, and the config variant.
UPGRADE = ("Host: websocket.msha.tech\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
REQUESTS = {
    "own-unit": "GET /ws?routerId=6249 HTTP/1.1\r\n" + UPGRADE + "\r\n",
    "redirect-header": "GET /ws HTTP/1.1\r\n" + UPGRADE + "routerId: 1111\r\n\r\n",
    "cookie": "GET /ws/chat HTTP/1.1\r\n" + UPGRADE + "Cookie: a=b; routerId=17\r\n\r\n",
    "malformed-id": "GET /ws HTTP/1.1\r\n" + UPGRADE + "routerId: 12a\r\n\r\n",
    "conflicting": "GET /ws HTTP/1.1\r\n" + UPGRADE + "routerId: 1\r\nrouterid: 2\r\n\r\n",
    "plain-get": "GET /ws HTTP/1.1\r\nHost: h\r\n\r\n",
    "post": "POST /ws HTTP/1.1\r\n" + UPGRADE + "\r\n",
    "http10": "GET /ws HTTP/1.0\r\n" + UPGRADE + "\r\n",
    "absolute": "GET http://h/ws HTTP/1.1\r\n" + UPGRADE + "\r\n",
    "body": "GET /ws HTTP/1.1\r\n" + UPGRADE + "Content-Length: 3\r\n\r\nabc",
    "forwarded": "GET /ws?routerId=100 HTTP/1.1\r\n" + UPGRADE + "X-Wsfo-Forwarded-By: center-gw1\r\n\r\n",
    "fenced": "GET /ws?routerId=6000 HTTP/1.1\r\n" + UPGRADE + "\r\n",
}
for i, (name, request) in enumerate(REQUESTS.items()):
    write("handshake", name, request.encode() + struct.pack("<HBB", 0xffff, i % 2, i))

# ---- frame_header: the rules byte (sender, reserved bits allowed), then a header.
HEADERS = {
    "text-server": b"\x00\x81\x05",
    "masked-client": b"\x01\x81\x85\x01\x02\x03\x04",
    "len16": b"\x02\x82\x7e\x01\x2c",
    "len64": b"\x02\x82\x7f\x00\x00\x00\x00\x00\x01\x11\x70",
    "len64-msb": b"\x02\x82\x7f\x80\x00\x00\x00\x00\x00\x00\x00",
    "rsv1": b"\x06\xc1\x05",
    "opcode3": b"\x02\x83\x00",
    "fragmented-ping": b"\x02\x09\x00",
    "long-close": b"\x02\x88\x7e\x00\x7e",
}
for name, data in HEADERS.items():
    write("frame_header", name, data)


def frame(first, payload, mask=None):
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head = bytes([first, m | n])
    elif n < 65536:
        head = bytes([first, m | 126]) + struct.pack(">H", n)
    else:
        head = bytes([first, m | 127]) + struct.pack(">Q", n)
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


CHUNKS = bytes([1, 3, 7, 64, 2, 5, 11, 13])
# ---- client_frames: server frames, then the chunk sizes and the message limit.
SERVER = {
    "welcome": frame(0x81, b"Welcome to the server!beijing") + frame(0x81, b"1:beijing"),
    "fragmented": frame(0x01, b"Hel") + frame(0x89, b"p") + frame(0x80, b"lo"),
    "close": frame(0x88, b"\x03\xe8bye") + frame(0x81, b"after"),
    "too-big": frame(0x82, b"x" * 300),
    "continuation-first": frame(0x80, b"x"),
    "masked-by-server": frame(0x81, b"hi", b"\x01\x02\x03\x04"),
    "close-1-byte": frame(0x88, b"\x03"),
}
for name, data in SERVER.items():
    write("client_frames", name, data + CHUNKS + b"\x00\x01\x00")

# ---- frame_tracker: a relayed stream in both directions, then chunk sizes.
MASK = b"\x01\x02\x03\x04"
RELAYED = {
    "mixed": frame(0x81, b"") + frame(0x81, b"hello") + frame(0x82, b"a" * 125, MASK) + frame(0x81, b"b" * 126),
    "close-masked": frame(0x81, b"hi", MASK) + frame(0x88, b"\x0f\xa1moved", MASK),
    "close-split": frame(0x88, b"\x03\xe9"),
    "close-empty": frame(0x88, b""),
    "malformed": frame(0x81, b"ok") + b"\x83\x00" + frame(0x81, b"x"),
    "ping-pong": frame(0x89, b"p", MASK) + frame(0x8a, b"p"),
}
for name, data in RELAYED.items():
    write("frame_tracker", name, data + CHUNKS)
# With a frame policy, read from the end before the chunk sizes: the policy
# byte (1 client, 2 server, +4 permessage-deflate, +8 another extension), then
# three bytes of the client's message limit (0: none).
JUDGED = {
    "client-too-big": (frame(0x01, b"a" * 100, MASK) + frame(0x89, b"p", MASK) + frame(0x80, b"b" * 200, MASK), 1,
                       250),
    "client-unmasked": (frame(0x81, b"ok", MASK) + frame(0x81, b"plain") + frame(0x88, b"\x03\xe8", MASK), 1, 0),
    "client-deflate": (frame(0xC1, b"z", MASK) + frame(0xC0, b"z", MASK), 5, 0),
    "client-continuation": (frame(0x80, b"tail", MASK), 1, 0),
    "server-garbage": (b"garbage, not a frame\r\n", 2, 0),
    "server-masked": (frame(0x81, b"hi") + frame(0x81, b"hi", MASK), 2, 0),
}
for name, (data, policy, limit) in JUDGED.items():
    write("frame_tracker", "judged-" + name, data + limit.to_bytes(3, "little") + bytes([policy]) + CHUNKS)


# ---- vrrp_advert: datagrams [length][wait, 10 ms][flags] bytes, then the
# instance config from the end (priority, interval, preempt, delay, variant).
def checksum(data, pseudo=b""):
    data = pseudo + data
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f">{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def advert(vrid, priority, interval_cs, addresses, pseudo=False):
    body = bytes([0x31, vrid, priority, len(addresses)]) + struct.pack(">HH", interval_cs, 0)
    body += b"".join(struct.pack(">I", a) for a in addresses)
    ph = b""
    if pseudo:
        ph = struct.pack(">IIBBH", 0x7F000102, 0xE0000012, 0, 112, len(body))
    c = checksum(body, ph)
    return body[:6] + struct.pack(">H", c) + body[8:]


def datagram(data, wait, flags):
    return bytes([len(data), wait, flags]) + data


VIP = 0x7F000164
CONFIG = bytes([0, 30, 1, 0, 1, 100])  # read backwards: priority 100, ...
ADVERTS = {
    "higher-master": datagram(advert(51, 150, 100, [VIP]), 50, 2) * 3,
    "lower-then-resign": datagram(advert(51, 50, 100, [VIP]), 20, 0) + datagram(advert(51, 0, 100, [VIP]), 20, 0),
    "pseudo-header": datagram(advert(51, 200, 100, [VIP], pseudo=True), 10, 1),
    "bad-checksum": datagram(advert(51, 200, 100, [VIP])[:6] + b"\x00\x00" + struct.pack(">I", VIP), 10, 0),
    "other-vrid": datagram(advert(52, 200, 100, []), 10, 0),
    "track-down": datagram(advert(51, 120, 1, [VIP, VIP + 1]), 255, 0x80) + datagram(b"\x31\x33", 255, 0xC0),
    "wrong-version": datagram(b"\x21" + advert(51, 100, 100, [])[1:], 0, 0),
}
for name, data in ADVERTS.items():
    write("vrrp_advert", name, data + CONFIG)

# ---- router_id: the parser byte (value, lookup, list, lines, span), then text.
ROUTER_IDS = {
    "value": (0, "9223372036854775807"), "overflow": (0, "9223372036854775808"), "sign": (0, "-1"),
    "nul": (0, "12\x003"), "lookup": (1, "1111\nrouterId=2222; a=b\n/ws?routerId=3333&x=1"),
    "lookup-escaped": (6, "\n\n/ws?routerId=%31"), "list": (2, "1111,6249,8330"),
    "lines": (3, "1111\n 6249 , 8330\n\n12x\n"), "span": (4, "0-9999"), "span-max": (4, "9223372036854775800-9223372036854775807"),
}
for name, (mode, text) in ROUTER_IDS.items():
    write("router_id", name, bytes([mode]) + text.encode())

# ---- rules: rule files as written, and broken ones from rule_set_test.
for path in sorted((ROOT / "scenarios" / "rules").glob("*.json")):
    write("rules", path.name, path.read_bytes())
BROKEN_RULES = {
    "gap": {"version": 1, "ranges": [{"from": 0, "to": 10, "unit": "center"}, {"from": 12, "to": 9999, "unit": "unbj"}]},
    "overlap": {"version": 1, "ranges": [{"from": 0, "to": 6000, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]},
    "modulus": {"version": 2, "modulus": 100, "ranges": [{"from": 0, "to": 99, "unit": "center"}]},
    "unknown-unit": {"version": 2, "ranges": [{"from": 0, "to": 9999, "unit": "shanghai"}]},
}
for name, value in BROKEN_RULES.items():
    write("rules", name + ".json", json.dumps(value))
# A gateway's persisted state file (RulesState::to_json), after a commit and mid-prepare.
V2 = {"version": 2, "modulus": 10000, "ranges": [{"from": 0, "to": 5997, "unit": "center"},
                                                 {"from": 5998, "to": 9999, "unit": "unbj"}]}
V3 = {"version": 3, "modulus": 10000, "ranges": [{"from": 0, "to": 6380, "unit": "center"},
                                                 {"from": 6381, "to": 9999, "unit": "unbj"}]}
write("rules", "state-file.json", json.dumps({"committed": V3, "pending": None, "previous": V2}))
write("rules", "state-file-pending.json", json.dumps({"committed": V2, "pending": V3}))

# ---- scenario: small scenario files with cutovers, faults, VRRP and fleets.
for name in ["regression/silent-connections.json", "regression/fenced-cutover.json", "regression/keepalived-ha.json",
             "regression/proxy-correction.json", "fidelity/storm-2k.json"]:
    path = ROOT / "scenarios" / name
    write("scenario", path.name, path.read_bytes())

# ---- gateway_config: docs/gateway-config.md's example and the unit tests'
# config; the last byte's low bit off means no command-line overrides.
doc = (ROOT / "docs" / "gateway-config.md").read_text()
example = doc.split("```json", 1)[1].split("```", 1)[0]
write("gateway_config", "documented.json", example.encode() + b"\x00")
TEST_CONFIG = {
    "node": "unbj-gw1", "unit": "unbj", "listen": ["127.0.0.1:0"],
    "units": {"center": {"public_url": "ws://center.websocket.msha.tech:8080", "gateways": ["127.0.1.1:8080"]},
              "unbj": {"public_url": "ws://unbj.websocket.msha.tech:8080/", "gateways": ["127.0.2.1:8080"]}},
    "rules": {"version": 1, "modulus": 10000,
              "ranges": [{"from": 0, "to": 5997, "unit": "center"}, {"from": 5998, "to": 9999, "unit": "unbj"}]},
    "routes": [{"prefix": "/", "backends": ["127.0.0.1:9001"]}],
    "limits": {"max_connections": 100, "retry_after": "2s"},
}
write("gateway_config", "unit-test.json", json.dumps(TEST_CONFIG).encode() + b"\x00")
write("gateway_config", "overrides.json", b"\x0e127.0.0.1:80\x0e[::1]:9180\x04gw-2\x04tok" + json.dumps(TEST_CONFIG).encode() + b"\x01")


# ---- dictionaries: JSON keys and choices the strict readers accept, and the
# HTTP words the handshake path looks for.
def dictionary(name, words):
    folder = ROOT / "fuzz" / "dict"
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for word in sorted(set(words)):
        escaped = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "\\x%02x" % ord(c) for c in word)
        lines.append('"%s"' % escaped)
    (folder / (name + ".dict")).write_text("\n".join(lines) + "\n")


READERS = ["core/scenario/*.cpp", "core/gateway/gateway_config.cpp", "core/routing/rules_json.cpp",
           "core/vrrp/agent_config.cpp"]
literals = set()
for pattern in READERS:
    for path in ROOT.glob(pattern):
        literals |= set(re.findall(r'[({,]\s*"([a-z][a-z0-9_]*)"', path.read_text()))
json_words = ['"%s"' % w for w in literals] + ['": ', "true", "false", "null", "[]", "{}", '"1s"', '"250ms"', '"127.0.0.1:80"']
for target in ["rules", "scenario", "gateway_config"]:
    dictionary(target, json_words)
dictionary("handshake", ["GET", "POST", "HTTP/1.1", "HTTP/1.0", "\r\n", "\r\n\r\n", ": ", "Host", "Upgrade",
                         "websocket", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "13",
                         "dGhlIHNhbXBsZSBub25jZQ==", "routerId", "routerId=", "Cookie", "; ", "?", "&", "#", "%",
                         "X-Wsfo-Forwarded-By", "Content-Length", "Transfer-Encoding", "chunked", "/ws", "/ws/chat"])
dictionary("router_id", ["routerId=", "9223372036854775807", "9223372036854775808", "; ", "&", "?", "\n", ",", "-"])
