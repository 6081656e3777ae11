"""Sensitive fields sealed at rest: AES-256-GCM with a key id beside every value, and keyed
hashes for the lookups that need equality. ADR 0011.

    keys = sealing.keyring()                  # the process's keys, from GONGZHI_DATA_KEY
    text = keys.seal("13800138000", Slot(tenant, "residents.phone", resident_id))
    keys.open(text, slot)                     # -> "13800138000"; a value moved to another
                                              #    tenant, field or record does not open
    keys.lookup("110101...", tenant, "residents.id_number")   # the hash stored beside it
    keys.lookups("110101...", tenant, "residents.id_number")  # every key's: query with `$in`

A sealed value is one string, `enc:<kid>:<base64(nonce + ciphertext + tag)>`, of the value's
JSON (so lists and maps keep their shape). The additional data binds it to its tenant, its
field and its record: copied into another document it fails to open instead of reading as
someone else's data.

GONGZHI_DATA_KEY is a base64 32-byte key (its key id is `k1`) or a keyring
`k2:<base64>,k1:<base64>`: the first is current (new values, new hashes), the others still
open older values until `python -m chassis.rekey` has re-sealed them. The encryption and the
lookup keys are derived from each key with HKDF, so the two uses never share a key."""
import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from nameko.extensions import DependencyProvider

from chassis.config import DEVELOPMENT_DATA_KEY, Settings, settings_from

_log = logging.getLogger(__name__)

PREFIX = "enc:"
DEVELOPMENT_KID = "dev"
DEVELOPMENT_KEY = DEVELOPMENT_DATA_KEY  # development only: everyone knows it
_NONCE = 12


class BadKey(ValueError):
    """GONGZHI_DATA_KEY is malformed, or a value names a key the ring does not hold."""


class Unopenable(ValueError):
    """A sealed value that fails authentication: wrong key, or moved from its slot."""


@dataclass(frozen=True)
class Slot:
    """Where a sealed value belongs: its tenant, `collection.field` and record id."""
    tenant: str
    field: str
    record: str

    def aad(self):
        return json.dumps([self.tenant, self.field, self.record], ensure_ascii=False).encode()


def _derive(key, purpose):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"gongzhi " + purpose).derive(key)


class Key:
    def __init__(self, kid, raw):
        self.kid = kid
        self.aead = AESGCM(_derive(raw, b"seal v1"))
        self.lookup_key = _derive(raw, b"lookup v1")


def is_sealed(value):
    return isinstance(value, str) and value.startswith(PREFIX)


class Keyring:
    def __init__(self, keys):
        if not keys:
            raise BadKey("a keyring needs at least one key")
        self.keys = {key.kid: key for key in keys}
        self.current = keys[0]

    @classmethod
    def parse(cls, text):
        """`<base64>` (key id k1) or `kid:<base64>,kid:<base64>` (the first is current)."""
        keys = []
        for part in (p.strip() for p in text.split(",") if p.strip()):
            kid, _, b64 = part.rpartition(":") if ":" in part else ("k1", "", part)
            if not kid or not kid.isalnum():
                raise BadKey(f"a key id must be letters and digits, not {kid!r}")
            try:
                raw = base64.b64decode(b64, validate=True)
            except (binascii.Error, ValueError):
                raise BadKey(f"key {kid} is not base64") from None
            if len(raw) != 32:
                raise BadKey(f"key {kid} is {len(raw)} bytes, not 32")
            if kid in {k.kid for k in keys}:
                raise BadKey(f"key id {kid} appears twice")
            keys.append(Key(kid, raw))
        return cls(keys)

    # -- sealing ---------------------------------------------------------------------------
    def seal(self, value, slot):
        """The value sealed under the current key; None stays None, a sealed value is kept."""
        if value is None or is_sealed(value):
            return value
        nonce = os.urandom(_NONCE)
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
        body = self.current.aead.encrypt(nonce, plain, slot.aad())
        return f"{PREFIX}{self.current.kid}:{base64.b64encode(nonce + body).decode()}"

    def open(self, value, slot):
        """The clear value. Clear input (written before sealing existed) is returned as is."""
        if not is_sealed(value):
            return value
        kid, _, b64 = value[len(PREFIX):].partition(":")
        key = self.keys.get(kid)
        if key is None:
            raise BadKey(f"a value is sealed with key {kid!r}, which GONGZHI_DATA_KEY lacks")
        raw = base64.b64decode(b64)
        try:
            plain = key.aead.decrypt(raw[:_NONCE], raw[_NONCE:], slot.aad())
        except InvalidTag:
            raise Unopenable(f"{slot.field} of {slot.record} does not open here") from None
        return json.loads(plain)

    def is_current(self, value):
        """True when the value needs no re-sealing (sealed under the current key, or None)."""
        return value is None or (is_sealed(value) and value.startswith(
            f"{PREFIX}{self.current.kid}:"))

    # -- lookups ---------------------------------------------------------------------------
    def lookup(self, value, tenant, field, key=None):
        """A keyed hash for equality lookups (HMAC-SHA256, per tenant and field)."""
        if value is None:
            return None
        message = json.dumps([tenant, field, value], ensure_ascii=False).encode()
        return hmac.new((key or self.current).lookup_key, message, hashlib.sha256).hexdigest()

    def lookups(self, value, tenant, field):
        """The value's hash under every key: a query with `$in` finds records whose hash was
        written before a rotation as well as after it."""
        return [self.lookup(value, tenant, field, key) for key in self.keys.values()]

    # -- whole documents ----------------------------------------------------------------------
    def seal_fields(self, document, tenant, collection, fields, record=None):
        """A copy of the document with these top-level fields sealed."""
        record = record or document["_id"]
        sealed = dict(document)
        for name in fields:
            if name in sealed:
                sealed[name] = self.seal(sealed[name], Slot(tenant, f"{collection}.{name}",
                                                            record))
        return sealed

    def open_fields(self, document, collection, fields):
        """A copy of a stored document with these fields opened (None stays None)."""
        if document is None:
            return None
        opened = dict(document)
        for name in fields:
            if name in opened:
                opened[name] = self.open(opened[name], Slot(
                    document["tenant"], f"{collection}.{name}", document["_id"]))
        return opened


# -- the process's keyring ----------------------------------------------------------------------
_rings = {}


def keyring(settings=None):
    """The keyring of GONGZHI_DATA_KEY (the development key in development, loudly; outside
    development a missing key refuses to start, like the JWT secret). Built once per key."""
    if settings is None:
        if None in _rings:
            return _rings[None]
        settings = Settings()
    marker = (settings.data_key_raw, settings.is_development)
    if marker not in _rings:
        text = settings.data_key  # raises outside development without a key
        _rings[marker] = Keyring.parse(text) if text != DEVELOPMENT_KEY else Keyring(
            [Key(DEVELOPMENT_KID, base64.b64decode(DEVELOPMENT_KEY))])
    _rings.setdefault(None, _rings[marker])
    return _rings[marker]


class DataKeys(DependencyProvider):
    """`keys = DataKeys(sealed={collection: fields}, lookups={collection: {hash: field}})` on
    a service that seals: the keyring is built when the container is set up, so a process
    outside development without GONGZHI_DATA_KEY does not start; and `python -m
    chassis.rekey` finds here what to re-seal, without a list kept by hand."""

    def __init__(self, sealed=None, lookups=None):
        self.sealed = dict(sealed or {})
        self.lookups = dict(lookups or {})

    def setup(self):
        self.keys = keyring(settings_from(self.container.config))
        _rings[None] = self.keys

    def get_dependency(self, worker_ctx):
        return self.keys


def new_key_text():
    """A fresh random key, as GONGZHI_DATA_KEY takes it (`python -m chassis.sealing`)."""
    return base64.b64encode(os.urandom(32)).decode()


if __name__ == "__main__":
    print(new_key_text())
