#!/usr/bin/env python3
"""An independent codec for the civseal QR seal, written from
docs/seal-format.md alone (no code shared with core/seal.c), with the
openssl CLI for signatures.  The tests use it to check that the spec is
enough to decode a seal, and to forge altered seals.

  seal_codec.py decode SEAL|URL              fields as JSON
  seal_codec.py edit SEAL FIELD=VALUE...     re-encode with fields changed
                                             (the signature is kept)
  seal_codec.py flip SEAL BIT                flip one signature bit
  seal_codec.py resign SEAL KEY.pem CERT.pem key id from CERT, signed by KEY
  seal_codec.py verify SEAL CERT.pem         exit 0 when the signature verifies
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
import uuid

DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}
BLOCK_OF = {d: b for b, d in DIGITS.items()}
PID_NONE = 0xFFFFFFFFFF


def text_to_bytes(text):
    if "/v/" in text or "/V/" in text:
        text = text.replace("/V/", "/v/").rsplit("/v/", 1)[1]
    if not text.isdigit():
        raise ValueError("not digits")
    out = bytearray()
    i = 0
    while i < len(text):
        n = min(17, len(text) - i)
        if n not in BLOCK_OF:
            raise ValueError("bad length")
        k = BLOCK_OF[n]
        v = int(text[i:i + n])
        if v >= 256 ** k:
            raise ValueError("block out of range")
        out += v.to_bytes(k, "big")
        i += n
    return bytes(out)


def bytes_to_text(b):
    parts = []
    for i in range(0, len(b), 7):
        chunk = b[i:i + 7]
        parts.append(str(int.from_bytes(chunk, "big")).zfill(DIGITS[len(chunk)]))
    return "".join(parts)


def unpack_date(b):
    v = int.from_bytes(b, "big")
    if v == 0:
        return None
    return "%04d-%02d-%02d" % (v >> 9, (v >> 5) & 15, v & 31)


def pack_date(s):
    if s is None or s == "":
        return b"\0\0\0"
    y, m, d = (int(x) for x in s.split("-"))
    return (y << 9 | m << 5 | d).to_bytes(3, "big")


def decode(b):
    s = {
        "version": b[0], "type": {1: "birth", 2: "death"}[b[1]],
        "alg": {1: "ES256", 2: "RS256"}[b[2]],
        "key_id": b[3:11].hex(), "document_id": str(uuid.UUID(bytes=b[11:27])),
        "registration_date": unpack_date(b[27:30]),
        "birth_date": unpack_date(b[30:33]),
    }
    pid = int.from_bytes(b[33:38], "big")
    s["personal_id"] = None if pid == PID_NONE else "%012d" % pid
    s["content_hash"] = b[38:54].hex()
    lo = b[54]
    s["office"] = b[55:55 + lo].decode("ascii")
    ln = b[55 + lo]
    name = b[56 + lo:56 + lo + ln].decode("utf-8")
    assert unicodedata.normalize("NFC", name) == name
    s["full_name"] = name
    end = 56 + lo + ln
    s["message"] = b[:end].hex()
    s["signature"] = b[end:].hex()
    return s


def encode_message(s):
    pid = PID_NONE if s["personal_id"] is None else int(s["personal_id"])
    office = s["office"].encode("ascii")
    name = unicodedata.normalize("NFC", s["full_name"]).encode("utf-8")
    return (bytes([s["version"], {"birth": 1, "death": 2}[s["type"]],
                   {"ES256": 1, "RS256": 2}[s["alg"]]])
            + bytes.fromhex(s["key_id"]) + uuid.UUID(s["document_id"]).bytes
            + pack_date(s["registration_date"]) + pack_date(s["birth_date"])
            + pid.to_bytes(5, "big") + bytes.fromhex(s["content_hash"])
            + bytes([len(office)]) + office + bytes([len(name)]) + name)


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def raw_to_der(raw):
    body = der_int(raw[:32]) + der_int(raw[32:])
    return b"\x30" + bytes([len(body)]) + body


def der_to_raw(der):
    assert der[0] == 0x30
    i = 2
    out = b""
    for _ in range(2):
        assert der[i] == 2
        n = der[i + 1]
        out += der[i + 2:i + 2 + n].lstrip(b"\0").rjust(32, b"\0")
        i += 2 + n
    return out


def openssl(*args, data=None):
    return subprocess.run(["openssl", *args], input=data, capture_output=True)


def cert_der(path):
    return openssl("x509", "-in", path, "-outform", "DER").stdout


def main():
    cmd, text = sys.argv[1], sys.argv[2]
    s = decode(text_to_bytes(text))
    if cmd == "decode":
        print(json.dumps(s, ensure_ascii=False))
    elif cmd == "edit":
        for kv in sys.argv[3:]:
            k, v = kv.split("=", 1)
            s[k] = None if v == "null" else (int(v) if k == "version" else v)
        print(bytes_to_text(encode_message(s) + bytes.fromhex(s["signature"])))
    elif cmd == "flip":
        sig = bytearray.fromhex(s["signature"])
        bit = int(sys.argv[3])
        sig[bit // 8] ^= 0x80 >> (bit % 8)
        print(bytes_to_text(bytes.fromhex(s["message"]) + bytes(sig)))
    elif cmd == "resign":
        s["key_id"] = hashlib.sha256(cert_der(sys.argv[4])).digest()[:8].hex()
        msg = encode_message(s)
        r = openssl("dgst", "-sha256", "-sign", sys.argv[3], data=msg)
        assert r.returncode == 0, r.stderr
        print(bytes_to_text(msg + der_to_raw(r.stdout)))
    elif cmd == "verify":
        msg = bytes.fromhex(s["message"])
        sig = bytes.fromhex(s["signature"])
        if hashlib.sha256(cert_der(sys.argv[3])).digest()[:8].hex() != s["key_id"]:
            sys.exit("key id does not name this certificate")
        with tempfile.TemporaryDirectory() as d:
            pub, sigf = os.path.join(d, "pub.pem"), os.path.join(d, "sig")
            open(pub, "wb").write(openssl("x509", "-in", sys.argv[3], "-pubkey",
                                          "-noout").stdout)
            open(sigf, "wb").write(raw_to_der(sig) if s["alg"] == "ES256" else sig)
            r = openssl("dgst", "-sha256", "-verify", pub, "-signature", sigf,
                        data=msg)
        sys.exit(0 if r.returncode == 0 else 1)
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
