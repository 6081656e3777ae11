"""Identifiers: strings, never ObjectId (the stand-in store cannot match ObjectId fields).

Ids sort by creation time (ULID layout: 48-bit milliseconds, 80 random bits, Crockford base32),
so `_id` order is creation order and a cursor is just the last id seen."""
import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id():
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
