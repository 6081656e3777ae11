"""Writes that a redelivered RPC request cannot repeat.

RabbitMQ redelivers an RPC request whose acknowledgement was lost (a broker disconnect while
the worker ran), and a publisher that retried after a lost confirm may send it twice. Both
copies carry the same AMQP `correlation_id`, which the rpc entrypoint (chassis/rpc.py) puts into
the call context as the *request id*. The tenant-scoped store uses it so:

* every document a request inserts is stamped `_request: <request id>#<collection>#<n>` (the
  n-th insert of this call into that collection), under a unique index, in the same
  single-document write: a second delivery's insert fails on that index and the store returns
  the document the first delivery made instead of writing twice;
* every document a request updates records the request id in `_requests.<id>`, in the same
  write, so a repeated transition finds its own earlier result (`replayed`) instead of a
  conflict. (A map, not an array: the stand-in store ignores `$addToSet` beside `$set`.)

No extra round trip on the happy path, no transactions."""
from pymongo import ASCENDING

INSERTED_BY = "_request"
UPDATED_BY = "_requests"
INDEX_NAME = "tenant_request_unique"

_indexed = set()


def insert_key(request_id, collection_name, n):
    return f"{request_id}#{collection_name}#{n}"


def updated_by_field(request_id):
    return f"{UPDATED_BY}.{request_id.replace('.', '_').replace('$', '_')}"


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
