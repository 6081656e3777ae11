"""`Idempotency-Key` on POST: the same key with the same request returns the first answer and
changes nothing more. Records live in the gateway's own store, per tenant and user. The kept
answer is sealed (chassis/sealing.py): for medical staff it holds symptoms and referral
reasons, which must not lie in the gateway's database in clear."""
import hashlib
import json
import time

from chassis import sealing
from chassis.errors import Conflict, Invalid

KEYS = "idempotency_keys"
ABANDONED_AFTER_SECONDS = 60  # an in-progress record older than this was left by a crash


def fingerprint(method, path, body):
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{method} {path} {canonical}".encode()).hexdigest()


def _key(principal, key):
    return f"{principal.sub}|{key}"


def claim(db, principal, key, request_hash):
    """Claim the key for this request. Returns a stored (status, body) to replay, or None when
    this request is the first and must run."""
    if not key or len(key) > 200:
        raise Invalid("Idempotency-Key must be 1 to 200 characters",
                      {"Idempotency-Key": ["Length must be between 1 and 200."]})
    record_id = _key(principal, key)
    for _ in range(2):
        if db[KEYS].insert_if_absent({"_id": record_id, "hash": request_hash,
                                      "state": "running", "started": time.time()}):
            return None
        record = db[KEYS].find_one({"_id": record_id})
        if record is None:
            continue  # released between our insert and read: try once more
        if record["hash"] != request_hash:
            raise Invalid("this Idempotency-Key was used for a different request",
                          {"Idempotency-Key": ["Already used with another request body."]})
        if record["state"] == "done":
            return record["status"], sealing.keyring().open(record["body"], _slot(db, record_id))
        if time.time() - record["started"] > ABANDONED_AFTER_SECONDS:
            db[KEYS].delete_many({"_id": record_id, "state": "running"})
            continue
        raise Conflict("a request with this Idempotency-Key is still in progress")
    raise Conflict("a request with this Idempotency-Key is still in progress")


def settle(db, principal, key, status, body):
    """Keep the answer for replays; a server-side failure releases the key for a retry."""
    record_id = _key(principal, key)
    if status >= 500:
        db[KEYS].delete_many({"_id": record_id})
    else:
        sealed = sealing.keyring().seal(body, _slot(db, record_id))
        db[KEYS].update_one({"_id": record_id},
                            {"$set": {"state": "done", "status": status, "body": sealed}})


def _slot(db, record_id):
    return sealing.Slot(db.tenant, f"{KEYS}.body", record_id)
