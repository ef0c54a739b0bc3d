#!/usr/bin/env python3
"""Verify a tiled evidence log: python3 verify_log.py VKEY LOG_DIR [PROOF ENTRY]
Checks the checkpoint's Ed25519 note signature, recomputes the root from the entry bundles and
the level-0 tiles, and (optionally) an inclusion proof file for an entry. Needs python3-cryptography."""
import base64, hashlib, os, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

H = lambda *parts: hashlib.sha256(b"".join(parts)).digest()
def check(ok, why):  # not assert: python -O would drop the checks
    if not ok: sys.exit("FAIL " + why)
def path(kind, n, w):  # tile/<L>/<N>[.p/<W>] with N as x-prefixed 3-digit groups
    g = f"{n:03d}"[-3:]; n //= 1000
    while n: g = f"x{n % 1000:03d}/" + g; n //= 1000
    return f"tile/{kind}/{g}" + (f".p/{w}" if w < 256 else "")
def open_checkpoint(note, vkey):  # -> (origin, size, root); any failure raises
    name, key_id, key = vkey.strip().split("+", 2); key = base64.b64decode(key)
    check(key[0] == 1 and H(name.encode(), b"\n", key)[:4].hex() == key_id, "bad vkey")
    text, sigs = note.rsplit(b"\n\n", 1); text += b"\n"
    for line in sigs.decode().splitlines():
        who, sig = line.removeprefix("\u2014 ").split(" "); sig = base64.b64decode(sig)
        if who == name and sig[:4].hex() == key_id:
            Ed25519PublicKey.from_public_bytes(key[1:]).verify(sig[4:], text)  # raises InvalidSignature
            origin, size, root = text.decode().split("\n")[:3]
            return origin, int(size), base64.b64decode(root)
    raise ValueError("checkpoint not signed by " + name)
def mth(h):  # RFC 6962 Merkle tree hash of a list of leaf hashes
    if len(h) == 1: return h[0]
    k = 1 << (len(h) - 1).bit_length() - 1
    return H(b"\1", mth(h[:k]), mth(h[k:]))
def root_from_proof(index, size, leaf, proof):  # RFC 9162 section 2.1.3.2
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        check(sn != 0, "proof too long")
        if fn & 1 or fn == sn:
            r = H(b"\1", p, r)
            while not fn & 1 and fn: fn, sn = fn >> 1, sn >> 1
        else: r = H(b"\1", r, p)
        fn, sn = fn >> 1, sn >> 1
    check(sn == 0, "proof too short"); return r

vkey, log = open(sys.argv[1]).read(), sys.argv[2]
read = lambda p: open(os.path.join(log, p), "rb").read()
origin, size, root = open_checkpoint(read("checkpoint"), vkey)
leaves = []
for n in range((size + 255) // 256):
    w, b, i, tile = min(256, size - n * 256), read(path("entries", n, min(256, size - n * 256))), 0, []
    while i < len(b): l = int.from_bytes(b[i:i + 2], "big"); tile.append(H(b"\0", b[i + 2:i + 2 + l])); i += 2 + l
    check(len(tile) == w and b"".join(tile) == read(path(0, n, w)), f"bundle or tile {n} differs")
    leaves += tile
check(size and mth(leaves) == root, "root recomputed from the entries differs")
print(f"OK checkpoint {origin} size {size}: signature and root from {size} entries")
if len(sys.argv) > 4:
    lines = open(sys.argv[3], "rb").read().split(b"\n")
    check(lines[0] == b"c2sp.org/tlog-proof@v1", "not a tlog-proof"); lines = lines[1:]
    if lines[0].startswith(b"extra "): lines = lines[1:]
    index, end = int(lines[0].removeprefix(b"index ")), lines.index(b"")
    o, s, r = open_checkpoint(b"\n".join(lines[end + 1:]), vkey)
    leaf = H(b"\0", open(sys.argv[4], "rb").read())
    check(root_from_proof(index, s, leaf, [base64.b64decode(x) for x in lines[1:end]]) == r, "inclusion proof fails")
    print(f"OK entry {index} is in {o} at size {s}")
