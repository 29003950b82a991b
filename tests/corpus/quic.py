#!/usr/bin/python3
"""QUIC v1 client Initial packets (RFC 9000 17.2.2, RFC 9001 5), for the evaluation corpus.

  initial_packet(dcid, scid, pn, frames, pad_to=1200, pn_len=4) -> bytes
  crypto_frame(offset, data), ping_frame(), padding(n)

Run it to check the implementation against RFC 9001 Appendix A.2.
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

INITIAL_SALT_V1 = bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a")


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand_label(secret, label, length):
    # TLS 1.3 HkdfLabel with an empty context; every output here fits one SHA-256 block.
    full = b"tls13 " + label
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    return hmac.new(secret, info + b"\x01", hashlib.sha256).digest()[:length]


def client_keys(dcid):
    """(key, iv, hp) of the client's Initial packets for this destination connection id."""
    secret = hkdf_expand_label(hkdf_extract(INITIAL_SALT_V1, dcid), b"client in", 32)
    return (hkdf_expand_label(secret, b"quic key", 16),
            hkdf_expand_label(secret, b"quic iv", 12),
            hkdf_expand_label(secret, b"quic hp", 16))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack("!H", 0x4000 | v)
    if v < 0x40000000:
        return struct.pack("!I", 0x80000000 | v)
    return struct.pack("!Q", 0xC000000000000000 | v)


def crypto_frame(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


def ping_frame():
    return b"\x01"


def padding(n):
    return b"\x00" * n


def initial_packet(dcid, scid, pn, frames, pad_to=1200, pn_len=4, token=b""):
    """A protected Initial carrying frames, PADDING appended so the datagram is pad_to bytes
    (clients must send at least 1200, RFC 9000 14.1)."""
    key, iv, hp = client_keys(dcid)
    payload = b"".join(frames)
    head = (bytes([0xC0 | (pn_len - 1)]) + struct.pack("!I", 1) + bytes([len(dcid)]) + dcid +
            bytes([len(scid)]) + scid + varint(len(token)) + token)

    def header(plen):
        # The Length field always uses the 2-byte form so its size does not move with plen.
        return head + struct.pack("!H", 0x4000 | (pn_len + plen + 16))

    # Header protection samples 16 bytes from pn offset + 4: the ciphertext must reach that far.
    plen = max(len(payload), pad_to - len(header(0)) - pn_len - 16, 4 - pn_len)
    payload += padding(plen - len(payload))
    hdr = header(plen) + pn.to_bytes(pn_len, "big")
    nonce = bytes(a ^ b for a, b in zip(iv, pn.to_bytes(12, "big")))
    ct = AESGCM(key).encrypt(nonce, payload, hdr)
    pn_off = len(hdr) - pn_len
    sample = ct[4 - pn_len:4 - pn_len + 16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(hdr + ct)
    out[0] ^= mask[0] & 0x0F
    for i in range(pn_len):
        out[pn_off + i] ^= mask[1 + i]
    return bytes(out)


def selftest():
    """Raises AssertionError unless keys and protection match RFC 9001 Appendix A."""
    dcid = bytes.fromhex("8394c8f03e515708")
    key, iv, hp = client_keys(dcid)
    assert key.hex() == "1f369613dd76d5467730efcbe3b1a22d", key.hex()
    assert iv.hex() == "fa044b2f42a3fd3b46fb255c", iv.hex()
    assert hp.hex() == "9f50449e04a0e810283a1e9933adedd2", hp.hex()
    crypto = bytes.fromhex(
        "060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868"
        "04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578"
        "616d706c652e636f6dff01000100000a00080006001d00170018001000070005"
        "04616c706e000500050100000000003300260024001d00209370b2c9caa47fba"
        "baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
        "0d0010000e0403050306030203080408050806002d00020101001c0002400100"
        "3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000"
        "75300901100f088394c8f03e51570806048000ffff")
    pkt = initial_packet(dcid, b"", 2, [crypto], pad_to=1200, pn_len=4)
    assert len(pkt) == 1200, len(pkt)
    assert pkt[:38].hex() == ("c000000001088394c8f03e5157080000449e7b9aec34"
                              "d1b1c98dd7689fb8ec11d242b123dc9b"), pkt[:38].hex()
    assert pkt[-16:].hex() == "e221af44860018ab0856972e194cd934", pkt[-16:].hex()


if __name__ == "__main__":
    selftest()
    print("quic: RFC 9001 A.2 client Initial reproduced")
