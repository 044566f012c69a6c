#!/usr/bin/env python3
"""Interop test data for Khronika's c2sp.org/tlog-proof reader, made by tlog-scales.

tlog-scales (PyPI `tlog-scales`, by Florian Larysch; not written here) writes C2SP tlog-tiles
logs, signs their checkpoints and prints c2sp.org/tlog-proof@v1 proofs (`tlog-tiles
gen-proof`). This script uses it to build a small log and writes, into this folder:

  entries.hex            the 13 entries, one per line, hex (entry i is b"entry <i>: " + b"x"*i)
  log.vkey               the log's Ed25519 verifier key (type 0x01)
  witness.vkey           an Ed25519 cosigner's verifier key (type 0x04, c2sp.org/tlog-cosignature)
  witness-mldsa.vkey     an ML-DSA-44 cosigner's verifier key (type 0x06; Khronika does not
                         verify this type and must skip its signatures)
  scales/proof-<i>.tlog-proof
                         `tlog-tiles gen-proof` output for every index i of the log, whose
                         checkpoint carries the log's signature and the Ed25519 cosignature
  scales/proof-7-mldsa.tlog-proof
                         the same for index 7 from a second copy of the log whose checkpoint
                         also carries an ML-DSA-44 cosignature (made by tlog-scales)

The outputs are committed; the Rust tests (crates/khronika-store/tests/it/tlog_proof.rs) read
them and need no Python. Keys come from fixed seeds, SHA-256 of the labels below, so the log
signature and the Ed25519 cosignature are the same on every run (Ed25519 is deterministic); the
ML-DSA-44 cosignature is randomised by its signer and changes.

tlog-scales 0.0.3 verifies Ed25519 cosignatures but does not make them, so the Ed25519
cosigner below is twenty lines over pyca/cryptography following c2sp.org/tlog-cosignature;
each cosignature it makes is checked with tlog-scales' `Ed25519CosignatureVerifier` before it
is written.

The reverse direction: `generate.py check` verifies the proofs Khronika wrote into khronika/
(tests/it/tlog_proof.rs writes them with KHRONIKA_WRITE_VECTORS=1) with tlog-scales' own
checkpoint parser, signature verifiers and RFC 9162 inclusion check. tlog-scales has no
tlog-proof reader, so the three-line split of the proof header is done here.

Usage:
  python3 -m venv /tmp/tsv && /tmp/tsv/bin/pip install tlog-scales==0.0.3
  /tmp/tsv/bin/python generate.py          # regenerate entries, keys and scales/
  /tmp/tsv/bin/python generate.py check    # verify khronika/*.tlog-proof with tlog-scales
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tlog_scales import signing, tiles, tlog, writer

HERE = Path(__file__).resolve().parent
ORIGIN = "example.com/khronika-interop-log"
LOG_SEED = hashlib.sha256(b"khronika tlog-proof interop: log key").digest()
WITNESS_NAME = "example.com/khronika-interop-witness"
WITNESS_SEED = hashlib.sha256(b"khronika tlog-proof interop: witness key").digest()
MLDSA_NAME = "example.com/khronika-interop-pq-witness"
MLDSA_SEED = hashlib.sha256(b"khronika tlog-proof interop: ML-DSA-44 witness key").digest()
COSIGN_TIME = 1790000000  # 2026-09-21T14:13:20Z
N_ENTRIES = 13


def entry(i: int) -> bytes:
    return f"entry {i}: ".encode() + b"x" * i


class Ed25519Cosigner:
    """c2sp.org/tlog-cosignature Ed25519 (type 0x04) cosigner at a fixed time."""

    def __init__(self, name: str, seed: bytes, timestamp: int):
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.timestamp = timestamp
        self.vkey = signing.Vkey(name, None, 4, self.key.public_key().public_bytes_raw())

    def sign(self, cp: tlog.Checkpoint) -> signing.NoteSignature:
        msg = f"cosignature/v1\ntime {self.timestamp}\n".encode() + cp.serialize_body().encode()
        payload = self.timestamp.to_bytes(8, "big") + self.key.sign(msg)
        sig = signing.NoteSignature.from_vkey_signature(self.vkey, payload)
        # Checked by tlog-scales' own verifier before use.
        self.vkey.get_verifier().verify_note(sig, cp)
        return sig


def build_log(root: Path, signers: list) -> None:
    w = writer.TilesWriter.create(root, ORIGIN)
    for i in range(5):
        w.add_leaf(entry(i))
    w.commit(signers)
    for i in range(5, N_ENTRIES):
        w.add_leaf(entry(i))
    w.commit(signers)


def gen_proof(root: Path, index: int) -> bytes:
    tool = Path(sys.executable).with_name("tlog-tiles")
    return subprocess.run(
        [str(tool), "gen-proof", str(root), str(index)], check=True, capture_output=True
    ).stdout


def generate() -> None:
    log = signing.PlainEd25519Signer(ORIGIN, LOG_SEED)
    witness = Ed25519Cosigner(WITNESS_NAME, WITNESS_SEED, COSIGN_TIME)
    pq = signing.MLDSA44CosignatureSigner(MLDSA_NAME, MLDSA_SEED)

    (HERE / "entries.hex").write_text("".join(entry(i).hex() + "\n" for i in range(N_ENTRIES)))
    (HERE / "log.vkey").write_text(log.vkey.serialize() + "\n")
    (HERE / "witness.vkey").write_text(witness.vkey.serialize() + "\n")
    (HERE / "witness-mldsa.vkey").write_text(pq.vkey.serialize() + "\n")

    out = HERE / "scales"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    with tempfile.TemporaryDirectory() as tmp:
        a = Path(tmp) / "log"
        build_log(a, [log, witness])
        for i in range(N_ENTRIES):
            (out / f"proof-{i}.tlog-proof").write_bytes(gen_proof(a, i))
        b = Path(tmp) / "log-pq"
        build_log(b, [log, pq, witness])
        (out / "proof-7-mldsa.tlog-proof").write_bytes(gen_proof(b, 7))
    # Everything written must verify with tlog-scales itself.
    for p in sorted(out.glob("proof-*.tlog-proof")):
        check_proof(p, HERE, ["log.vkey", "witness.vkey"], verbose=False)
    check_proof(out / "proof-7-mldsa.tlog-proof", HERE, ["log.vkey", "witness.vkey", "witness-mldsa.vkey"])


def check_proof(path: Path, keydir: Path, vkeys: list[str], verbose: bool = True) -> None:
    """Verify one proof file with tlog-scales: every key in `vkeys` (files in `keydir`) must
    have a valid signature on the checkpoint, and entry <index> of keydir/entries.hex must be
    included under its root."""
    text = path.read_text()
    lines = text.split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1", "header"
    at = 1
    if lines[at].startswith("extra "):
        base64.b64decode(lines[at][6:], validate=True)
        at += 1
    assert lines[at].startswith("index "), "index line"
    index = int(lines[at][6:])
    at += 1
    path_hashes = []
    while lines[at] != "":
        path_hashes.append(base64.b64decode(lines[at], validate=True))
        at += 1
    checkpoint_text = "\n".join(lines[at + 1 :])
    cp = tlog.Checkpoint.from_text(checkpoint_text)
    assert cp.serialize() == checkpoint_text, "checkpoint does not round-trip in tlog-scales"

    for name in vkeys:
        vkey = signing.Vkey.from_string((keydir / name).read_text().strip())
        cp.verify(vkey)  # raises unless this key's signature is present and valid

    entries = [bytes.fromhex(l) for l in (keydir / "entries.hex").read_text().split()]
    proof = tlog.InclusionProof(index, cp.size, path_hashes)
    proof.check(tiles.leaf_hash(entries[index]), cp.root_hash)  # raises unless included
    if verbose:
        print(f"OK {path.relative_to(HERE)}: entry {index} of {cp.size}, {', '.join(vkeys)} verified")


def check() -> None:
    files = sorted((HERE / "khronika").glob("*.tlog-proof"))
    if not files:
        sys.exit("no khronika/*.tlog-proof: run KHRONIKA_WRITE_VECTORS=1 cargo test -p khronika-store --test it tlog_proof")
    for p in files:
        check_proof(p, HERE / "khronika", ["log.vkey", "witness.vkey"])


if __name__ == "__main__":
    if sys.argv[1:] == ["check"]:
        check()
    elif not sys.argv[1:]:
        generate()
    else:
        sys.exit(__doc__)
