#!/usr/bin/env python3
"""Independent reader of the golden vectors, written from docs/FORMATS.md only.

Keyless part (hashlib and the `cryptography` package's Ed25519): object names, paths and
tile indexes, Padmé, the pack header and length, the object list, entries (layout, chain,
signatures), the device-genesis grant, the key-epoch layout, the entry bundle, the RFC 6962
root, the checkpoint note (key id, signature), and, from khronika-app's vectors, the marker
and key-slot checksums and the recovery-key text.

Keyed part, run when `blake3`, PyNaCl and `argon2-cffi` are installed: the derived keys, the
pack's locator, index and blobs and their ids, the key-epoch wraps and sealed name, the
entry payload and its commitments; and for khronika-app's vectors the member and device key
slots, the sealed evidence payload and its six commitments, and the API token slot and a batch
of the activity log (§28) opened from the token string of §28.1.

Not run by `cargo test`; run it by hand after adding or changing a vector:

    python3 -m venv /tmp/v && /tmp/v/bin/pip install cryptography blake3 pynacl argon2-cffi
    /tmp/v/bin/python crates/khronika-store/testdata/vectors/crosscheck_vectors.py
"""
import base64
import hashlib
import os
import sys

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

HERE = os.path.dirname(os.path.abspath(__file__))
APP = os.path.join(HERE, "..", "..", "..", "khronika-app", "testdata", "vectors")
sha = lambda b: hashlib.sha256(b).digest()
be = lambda b: int.from_bytes(b, "big")
checks = 0


def ok(cond, what):
    global checks
    if not cond:
        sys.exit(f"FAIL: {what}")
    checks += 1


def hexfile(path):
    return bytes.fromhex("".join(l.strip() for l in open(path) if not l.startswith("#")))


def verify(pub, sig, msg):
    Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)  # raises on failure


def tile(n):  # §4
    g = f"{n:d}"
    g = "0" * (-len(g) % 3) + g
    groups = [g[i:i + 3] for i in range(0, len(g), 3)]
    return "/".join(["x" + x for x in groups[:-1]] + [groups[-1]])


def padme(l):  # §8
    if l < 2:
        return l
    e = l.bit_length() - 1
    s = e.bit_length()
    z = e - s
    m = (1 << z) - 1
    return (l + m) & ~m


# Paths and Padmé.
for line in open(os.path.join(HERE, "paths.txt")):
    f = line.split()
    if f[0] == "tile":
        ok(tile(int(f[1])) == f[2], f"tile {f[1]}")
for line in open(os.path.join(HERE, "padme.txt")):
    if not line.startswith("#"):
        l, p = map(int, line.split())
        ok(padme(l) == p, f"padme {l}")

# Pack: header, length, name (§8).
pack = hexfile(os.path.join(HERE, "pack.hex"))
ok(pack[:8] == b"KHRNPACK" and pack[8] == 1 and pack[9:12] == b"\0\0\0", "pack header")
ok(be(pack[12:16]) == 258 and pack[16:32] == bytes(range(0x40, 0x50)), "pack epoch/compartment")
ok(len(pack) == padme(len(pack)) and len(pack) >= 128, "pack length")
pack_name = sha(pack)
desc = open(os.path.join(HERE, "pack.txt")).read()
ok(f"objects/{pack_name.hex()[:2]}/{pack_name.hex()}" in desc, "pack path")

# Object list (§9).
ol = hexfile(os.path.join(HERE, "object-list.hex"))
n = be(ol[9:13])
ok(ol[:9] == b"KHRNOBJL\x01" and len(ol) == 13 + 33 * n and n == 3, "object list")


def parse_entry(b):  # §10
    e = {"version": b[0], "kind": b[1], "vault": b[2:18], "device": b[18:34],
         "index": be(b[34:42]), "prev": b[42:74], "compartment": b[74:90], "epoch": be(b[90:94])}
    no = be(b[94:96])
    at = 96
    e["objects"] = [(b[at + 33 * i], b[at + 33 * i + 1:at + 33 * i + 33]) for i in range(no)]
    at += 33 * no
    nc = b[at]
    at += 1
    e["commitments"] = [(b[at + 33 * i], b[at + 33 * i + 1:at + 33 * i + 33]) for i in range(nc)]
    at += 33 * nc
    m = be(b[at:at + 2])
    e["payload"] = b[at + 2:at + 2 + m]
    at += 2 + m
    e["signed"] = b[:at]
    e["sig"] = b[at:]
    ok(len(e["sig"]) == 64 and e["version"] == 1 and len(b) <= 65535, "entry framing")
    return e


# Entry bundle (§12.2) and the log: chain, genesis grant, signatures.
bundle = hexfile(os.path.join(HERE, "bundle.hex"))
entries, at = [], 0
while at < len(bundle):
    l = be(bundle[at:at + 2])
    entries.append(bundle[at + 2:at + 2 + l])
    at += 2 + l
ok(at == len(bundle) and len(entries) == 3, "bundle framing")
ok(hexfile(os.path.join(HERE, "entry.hex")) == entries[2], "entry.hex is entry 2")
prev, device_key = bytes(32), None
for i, raw in enumerate(entries):
    e = parse_entry(raw)
    ok(e["index"] == i and e["prev"] == prev, f"chain at {i}")
    if i == 0:
        g = e["payload"]
        ok(e["kind"] == 1 and len(g) == 216 and e["compartment"] == bytes(16), "genesis")
        ok(g == hexfile(os.path.join(HERE, "genesis.hex")), "genesis.hex")
        device_key = g[0:32]
        grant = b"khronika device grant v1\0" + e["vault"] + e["device"] + g[0:152]  # §5.5
        verify(g[48:80], g[152:216], grant)
        ok(be(g[144:152]) == 1795418802123, "genesis time")
    if e["kind"] == 2:  # §11.2 layout
        p = e["payload"]
        ok(p == hexfile(os.path.join(HERE, "key-epoch.hex")), "key-epoch.hex")
        w = p[0]
        kinds = [p[1 + 121 * j] for j in range(w)]
        info = be(p[1 + 121 * w:3 + 121 * w])
        ok(kinds == [1, 2] and 3 + 121 * w + info == len(p), "key epoch layout")
    if e["kind"] == 3:
        ok(e["objects"] == [(1, pack_name)], "evidence entry lists the pack")
        ok((len(e["payload"]) - 40) % 256 == 0, "payload padded to 256")
    verify(device_key, e["sig"], b"khronika entry v1\0" + e["signed"])
    checks += 1
    prev = sha(raw)


# RFC 6962 (§12.1) and the checkpoint (§12.3).
def mth(leaves):
    if not leaves:
        return sha(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while 2 * k < len(leaves):
        k *= 2
    return sha(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


root = mth([sha(b"\x00" + r) for r in entries])
note = open(os.path.join(HERE, "checkpoint.txt"), "rb").read().decode("utf-8")
body, sigs = note.split("\n\n", 1)
body += "\n"
origin = "khronika/vault/" + bytes(range(0x10, 0x20)).hex() + "/device/" + bytes(range(0x20, 0x30)).hex()
ok(body == f"{origin}\n3\n{base64.b64encode(root).decode()}\n", "checkpoint body")
ok(sigs.startswith("\u2014 ") and sigs.endswith("\n"), "signature line")
name, sig64 = sigs[2:-1].split(" ")
sig = base64.b64decode(sig64)
ok(name == origin and len(sig) == 68, "signature line fields")
ok(sig[:4] == sha(origin.encode() + b"\n\x01" + device_key)[:4], "key id")
verify(device_key, sig[4:], body.encode())
tree = open(os.path.join(HERE, "tree.txt")).read()
keydata = base64.b64encode(bytes([1]) + device_key).decode()
vkey = f"{origin}+{sig[:4].hex()}+{keydata}"
ok(vkey in tree and root.hex() in tree, "verifier key and root")

# khronika-app: marker (§15), key slots (§13), recovery text (§14).
if os.path.isdir(APP):
    marker = open(os.path.join(APP, "marker.txt"), "rb").read()
    b, s = marker.rsplit(b"checksum ", 1)
    ok(s == sha(b).hex().encode() + b"\n" and b.count(b"\n") == 6, "marker")
    ms = hexfile(os.path.join(APP, "member-slot.hex"))
    ok(len(ms) == 157 and ms[:9] == b"KHRNMKEY\x01" and ms[125:] == sha(ms[:125]), "member slot")
    ok([be(ms[25:29]), be(ms[29:33]), be(ms[33:37])] == [64, 1, 1], "member slot Argon2 params")
    ds = hexfile(os.path.join(APP, "device-slot.hex"))
    ok(len(ds) == 145 and ds[:9] == b"KHRNDKEY\x01" and ds[113:] == sha(ds[:113]), "device slot")
    ts = hexfile(os.path.join(APP, "token-slot.hex"))  # §28.2
    ok((len(ts) - 177) % 256 == 0 and ts[:9] == b"KHRNTOKN\x01" and ts[-32:] == sha(ts[:-32]), "token slot")
    ok(ts[9:17] == bytes(range(0xb0, 0xb8)) and ts[17:33] == bytes(range(0x30, 0x40)), "token slot header")
    act = hexfile(os.path.join(APP, "token-activity.hex"))  # §28.3
    ok(act[:9] == b"KHRNACTV\x01" and (len(act) - 41 - 40) % 256 == 0, "activity file")
    ok(open(os.path.join(APP, "evidence-id.txt")).read().startswith("E"), "evidence id")
key = bytes.fromhex("1b21849e25cb6fdc70e323ff99e07528d94c71be7f7cc8c0206f4edbc9373510")
data = key + sha(b"khronika recovery v1" + key)[:2]
bits = "".join(f"{x:08b}" for x in data) + "000"
chars = "".join("0123456789ABCDEFGHJKMNPQRSTVWXYZ"[int(bits[i:i + 5], 2)] for i in range(0, 275, 5))
text = "KR1-" + "-".join(chars[i:i + 5] for i in range(0, 55, 5))
ok(text == "KR1-3CGR9-7H5SD-QXRW7-34FZS-KR3N5-3CMRW-DYFXY-CHG10-DX7DQ-J9Q6M-8BKTR", "recovery text")

print(f"all {checks} keyless checks passed")

try:
    import blake3
    from nacl import bindings as nb
    from argon2.low_level import Type, hash_secret_raw
except ImportError:
    print("keyed checks skipped (install blake3, pynacl, argon2-cffi)")
    sys.exit(0)

import json

before = checks
dk = lambda ctx, k: blake3.blake3(k, derive_key_context=ctx).digest()
seq = lambda start, n: bytes((start + i) % 256 for i in range(n))
COMP, EPOCH = seq(0x40, 16), 258
secret = seq(0x50, 32)
data_key = dk("khronika 2026-11 data v1", secret)
chunk_key = dk("khronika 2026-11 chunk id v1", secret)
payload_key = dk("khronika 2026-11 entry payload v1", secret)
keys_txt = open(os.path.join(HERE, "keys.txt")).read()
ok(all(k.hex() in keys_txt for k in (data_key, chunk_key, payload_key)), "derived keys")


def ad(kind, ident, comp=COMP, epoch=EPOCH):  # §5.3
    return b"KHRONIKA" + bytes([1, kind]) + comp + epoch.to_bytes(4, "big") + ident


def open_(key, a, sealed):  # §5.2
    return nb.crypto_aead_xchacha20poly1305_ietf_decrypt(sealed[24:], a, sealed[:24], key)


blob_id = lambda kind, p: blake3.blake3(bytes([kind]) + p, key=chunk_key).digest()

# Pack (§8).
loc = open_(data_key, ad(4, bytes(32)), pack[32:88])
off, ilen = be(loc[:8]), be(loc[8:])
ok(off + ilen == len(pack), "locator")
index = open_(data_key, ad(3, bytes(32)), pack[off:])
n = be(index[:4])
ok(padme(off + 40 + 4 + 46 * n) == len(pack) and not any(index[4 + 46 * n:]), "index padding")
blobs = []
for i in range(n):
    r = index[4 + 46 * i:4 + 46 * (i + 1)]
    kind, codec, ident = r[0], r[1], r[2:34]
    o, sl, pl = be(r[34:38]), be(r[38:42]), be(r[42:46])
    plain = open_(data_key, ad(kind, ident), pack[o:o + sl])
    ok(codec == 0 and len(plain) == pl == sl - 40 and blob_id(kind, plain) == ident, f"blob {i}")
    blobs.append((kind, ident, plain))
m = blobs[2][2]
ok(blobs[2][0] == 2 and be(m[:8]) == len(blobs[0][2]) + len(blobs[1][2]), "manifest size")
ok(m[8:40] == blobs[0][1] and m[40:72] == blobs[1][1], "manifest ids")

# Key epoch (§11.2, §5.7): unwrap both wraps, open the name.
member_secret = seq(0x70, 32)
member_wrap = dk("khronika 2026-11 member wrap v1", member_secret)
recovery = seq(0x80, 32)
p = parse_entry(entries[1])["payload"]
for j, sk in enumerate([member_wrap, recovery]):
    rec = p[1 + 121 * j:1 + 121 * (j + 1)]
    eph, wrapped = rec[17:49], rec[17:]
    pub = nb.crypto_scalarmult_base(sk)
    shared = nb.crypto_scalarmult(sk, eph)
    wk = dk("khronika 2026-11 x25519 wrap v1", shared + eph + pub)
    rid = bytes([rec[0]]) + rec[1:17] + bytes(15)
    ok(open_(wk, ad(8, rid), wrapped[32:]) == secret, f"wrap {j}")
name = open_(payload_key, ad(9, bytes(32)), p[3 + 121 * 2:])
ok(len(name) % 64 == 0 and name.rstrip(b"\0").decode() == "Дело 17 / Case 17", "compartment name")

# Evidence entry (§11.3, §11.4): payload and commitments.
e = parse_entry(entries[2])
VAULT, DEVICE = seq(0x10, 16), seq(0x20, 16)
pid = lambda index: sha(b"khronika payload id v1\0" + VAULT + DEVICE + index.to_bytes(8, "big"))
plain = open_(payload_key, ad(5, pid(2)), e["payload"])
ok(len(plain) % 256 == 0 and plain.rstrip(b" ").endswith(b"}"), "store payload")
file = blobs[0][2] + blobs[1][2]
rng = blake3.blake3((4).to_bytes(8, "big"), derive_key_context="khronika test entropy v1").digest(length=64)
values = [sha(file).hex().encode(), str(len(file)).encode()]
for (f, c), salt, v in zip(e["commitments"], [rng[:32], rng[32:]], values):
    ok(c == sha(b"khronika commitment v1\0" + bytes([f]) + salt + v), f"commitment {f}")

# khronika-app: key slots (§13), evidence payload (§11.3).
if os.path.isdir(APP):
    pw = "Правозащитник 2026".encode()
    key = hash_secret_raw(pw, ms[37:53], time_cost=be(ms[29:33]), memory_cost=be(ms[25:29]),
                          parallelism=be(ms[33:37]), hash_len=32, type=Type.ID, version=19)
    ms_secret = open_(key, ad(6, sha(ms[:53]), bytes(16), 0), ms[53:125])
    ok(ms_secret == member_secret, "member slot opens")
    seed = open_(dk("khronika 2026-11 device slot v1", ms_secret), ad(7, sha(ds[:41]), bytes(16), 0), ds[41:113])
    ok(seed == seq(0x60, 32), "device slot opens")
    sealed = hexfile(os.path.join(APP, "evidence-payload.hex"))
    j = open_(payload_key, ad(5, pid(2)), sealed)
    ok(len(j) % 256 == 0, "evidence payload padding")
    golden_json = open(os.path.join(APP, "evidence-payload.json"), "rb").read().rstrip(b"\n")
    ok(j.rstrip(b" ") == golden_json, "evidence payload JSON")
    doc = json.loads(j)
    ok(list(doc) == ["v", "id", "name", "size", "sha256", "media_type", "added_by", "device",
                     "time", "clock", "manifest", "salts"], "JSON field order")
    fields = [(1, "sha256", doc["sha256"]), (2, "size", str(doc["size"])),
              (3, "media_type", doc["media_type"]), (4, "time", doc["time"]),
              (5, "name", doc["name"]), (6, "added_by", doc["added_by"])]
    lines = [l.split() for l in open(os.path.join(APP, "evidence-commitments.txt")) if not l.startswith("#")]
    for (f, nm, v), (gf, gc) in zip(fields, lines):
        c = sha(b"khronika commitment v1\0" + bytes([f]) + bytes.fromhex(doc["salts"][nm]) + v.encode())
        ok(int(gf) == f and c.hex() == gc, f"evidence commitment {nm}")

    # API tokens (§28): the token opens the member's secret, the member's secret the rest.
    token = "khr_b0b1b2b3b4b5b6b7_909192939495969798999a9b9c9d9e9fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf"
    tid, tsecret = token[4:20], bytes.fromhex(token[21:])
    ok(bytes.fromhex(tid) == ts[9:17], "token id")
    got = open_(dk("khronika 2026-11 api token v1", tsecret), ad(14, sha(ts[:33]), bytes(16), 0), ts[33:105])
    ok(got == member_secret, "token slot opens with the token")
    info = open_(dk("khronika 2026-11 api token info v1", member_secret), ad(15, sha(ts[:33]), bytes(16), 0), ts[105:-32])
    ok(len(info) % 256 == 0 and json.loads(info) == {"v": 1, "name": "partner import",
       "created_ms": 1795000000000, "write": False,
       "compartments": [{"id": seq(0x40, 16).hex(), "name": "chechnya-2019"}]}, "token info")
    ok(list(json.loads(info)) == ["v", "name", "created_ms", "write", "compartments"], "token info order")
    uses = open_(dk("khronika 2026-11 token activity v1", member_secret), ad(16, sha(act[:41]), bytes(16), 0), act[41:])
    doc = json.loads(uses)
    ok(act[25:41] == seq(0xa0, 16) and doc["v"] == 1 and [u["status"] for u in doc["uses"]] == [200, 403], "activity opens")

print(f"all {checks - before} keyed checks passed")
