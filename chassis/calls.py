"""Writes that a redelivered RPC request cannot repeat.

RabbitMQ redelivers an RPC request whose acknowledgement was lost (a broker disconnect while
the worker ran), and a publisher that retried after a lost confirm may send it twice. Both
copies carry the same AMQP `correlation_id`, which the rpc entrypoint (chassis/rpc.py) puts into
the call context as the *request id*. The tenant-scoped store uses it so:

* every document a request inserts is stamped `_request: <request id>#<collection>#<n>` (the
  n-th insert of this call into that collection), under a unique index, in the same
  single-document write: a second delivery's insert fails on that index and the store returns
  the document the first delivery made instead of writing twice;
* every document a request updates records the request id in `_requests.w<window>.<id>`, in
  the same write, so a repeated transition finds its own earlier result (`replayed`) instead
  of a conflict. (A map, not an array: the stand-in store ignores `$addToSet` beside `$set`.)

The update records are kept for the *redelivery window* only, so a document that thousands of
requests change (a proposal's supports) does not grow without bound: time is cut into windows
of REQUEST_WINDOW_SECONDS, a record goes under its window's key, and every recorded write also
unsets the keys of the windows before the previous one. A repeat is recognised for at least
one whole window after its first run (this window and the previous one are looked in): far
longer than RabbitMQ redelivers (the request expires in the broker after GONGZHI_RPC_TIMEOUT)
or a client retries a timed-out request with its Idempotency-Key. No TTL index is needed (the
stand-in store does not run them); a later repeat is a new request, which for a transition
means a 409.

No extra round trip on the happy path, no transactions."""
import time

from pymongo import ASCENDING

INSERTED_BY = "_request"
UPDATED_BY = "_requests"
INDEX_NAME = "tenant_request_unique"

REQUEST_WINDOW_SECONDS = 3600
# Windows unset by every recorded write, beyond the current and the previous one: a document
# written at least once a day keeps only two windows of records. (Unsetting absent keys costs
# nothing; a document idle for longer keeps at most the two windows before its pause.)
PRUNED_WINDOWS = 24
_indexed = set()


def _now():
    return time.time()


def window(at=None):
    return int((_now() if at is None else at) // REQUEST_WINDOW_SECONDS)


def served_request_id(client_request, service_name, method_name, delivery_id):
    """The request id a served request's writes record: the client's Idempotency-Key (scoped
    to the caller by the gateway) with the entrypoint's service and method, which also covers a
    client retrying after a 504 whose request did complete, and is the same whether the
    request came over RPC or as an internal HTTP command; otherwise the id of this delivery,
    which its repeats share (the AMQP correlation id of an RPC request; the request id the
    caller signed into an internal command)."""
    if client_request:
        return f"{client_request}/{service_name}.{method_name}"
    return delivery_id


def insert_key(request_id, collection_name, n):
    return f"{request_id}#{collection_name}#{n}"


def _safe(request_id):
    return request_id.replace('.', '_').replace('$', '_')


def updated_by_field(request_id, in_window=None):
    """Where an update records the request, in a window (default: the current one)."""
    in_window = window() if in_window is None else in_window
    return f"{UPDATED_BY}.w{in_window}.{_safe(request_id)}"


def recorded(update, request_id):
    """The update with the request recorded and the records of old windows dropped, in the
    same single-document write."""
    now = window()
    update = {key: dict(value) for key, value in update.items()}
    update.setdefault("$set", {})[updated_by_field(request_id, now)] = True
    unset = update.setdefault("$unset", {})
    for old in range(now - 1 - PRUNED_WINDOWS, now - 1):
        unset[f"{UPDATED_BY}.w{old}"] = ""
    return update


def replay_filter(request_id):
    """Matches a document this request already changed (in this window or the previous)."""
    now = window()
    return {"$or": [{updated_by_field(request_id, now): True},
                    {updated_by_field(request_id, now - 1): True}]}


def ensure_index(collection):
    """The unique index behind the insert check, once per collection and process."""
    marker = (collection.database.name, collection.name)
    if marker in _indexed:
        return
    collection.create_index(
        [("tenant", ASCENDING), (INSERTED_BY, ASCENDING)], name=INDEX_NAME, unique=True,
        partialFilterExpression={INSERTED_BY: {"$exists": True}})
    _indexed.add(marker)


class RequestLedger:
    """Per worker: the request id and how many documents it inserted into each collection.
    A redelivered request runs the same code, so its n-th insert gets the same key."""

    def __init__(self, request_id):
        self.request_id = request_id
        self._counts = {}

    def next_insert_key(self, collection_name):
        if not self.request_id:
            return None
        n = self._counts.get(collection_name, 0) + 1
        self._counts[collection_name] = n
        return insert_key(self.request_id, collection_name, n)
