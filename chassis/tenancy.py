"""Store access that cannot be asked anything without a tenant.

A `TenantCollection` adds the tenant to every filter, stamps it on every document it writes,
and refuses a filter or document naming another tenant. A read by id alone is the one
exception in form, not in effect: it asks the store for that id and answers the document only
when it is the call's tenant's (and inside its communities), since ids are unique in a
collection and the store stand-in answers an id alone far more cheaply than a filter. There
is no method that reaches across tenants: code that must (the outbox relay, rebuilds) uses the
raw collection and says so.

A call whose token names communities (chassis/context.py) is narrowed further on the
collections its service declared community-owned (`Store(community_scoped=...)`): every
filter, count and aggregation gets `{<field>: {"$in": [its communities]}}`, and a document
written outside them is refused (403). To such a caller another community's document does not
exist, exactly like another tenant's. Calls without the claim (the whole subdistrict, event
consumers, system jobs) are not narrowed.

Writes can carry events: they are stored in the same document write (the outbox, see
chassis/outbox.py), so a change and the events it causes are never separated by a crash."""
import pymongo
from nameko.exceptions import deserialize_to_instance
from pymongo import ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from chassis import calls
from chassis.errors import Forbidden, MissingTenant
from chassis.outbox import LEASE, outbox_fields, outbox_update

HIDDEN = {"_outbox": 0, "_outbox_n": 0, LEASE: 0, calls.INSERTED_BY: 0, calls.UPDATED_BY: 0}
# What a write that returns its document reads back: the pending count tells whether older
# events still wait on the document (then the relay must read them first).
WITHOUT_PENDING_COUNT = [key for key in HIDDEN if key != "_outbox_n"]


class CrossTenant(MissingTenant):
    """A filter or document named another tenant than the call's."""


@deserialize_to_instance  # crosses RPC as itself (a 403 at the gateway), not a RemoteError
class OutsideCommunities(Forbidden):
    """A write would put a document in a community the call's token does not name."""


COMMUNITY_ID = "community_id"


def community_fields(spec):
    """`Store(community_scoped=...)` as {collection: field}. A collection named alone is
    owned through its top-level `community_id`; a dict names the field (`{"communities":
    "_id"}`: a community document is owned through its own id)."""
    if isinstance(spec, dict):
        return dict(spec)
    return {name: COMMUNITY_ID for name in spec}


class TenantDatabase:
    def __init__(self, db, call, on_events=None, community_scoped=()):
        self._db = db
        self._call = call
        self._on_events = on_events or (lambda collection, doc_id, events=None: None)
        # Events are leased to the relay a write kicks (chassis/outbox.py); with no relay to
        # kick (a command-line sweep), any relay's sweep takes them at once.
        self.leases = on_events is not None
        self.tenant = call.tenant  # raises MissingTenant when the call has none
        self.ledger = calls.RequestLedger(call.request_id)
        self.communities = call.communities  # None: the whole tenant
        self._community_fields = community_fields(community_scoped)

    def __getitem__(self, name):
        field = self._community_fields.get(name) if self.communities is not None else None
        return TenantCollection(self._db[name], self, field)

    def sees_community(self, community_id):
        """Whether this call may see a community's data (for checks that have no document to
        narrow, such as a summary filtered to one community)."""
        return self.communities is None or community_id in self.communities

    def complete(self, event):
        """Give an event its context: tenant, actor, correlation id. An event built with
        `on_behalf_of` (someone acted for a resident in this call) records it in its actor."""
        event = dict(event)
        actor = self._call.actor_record()
        on_behalf_of = event.pop("on_behalf_of", None)
        if on_behalf_of:
            actor["on_behalf_of"] = on_behalf_of
        return {**event, "tenant": self.tenant, "actor": actor,
                "correlation_id": self._call.correlation_id}


class TenantCollection:
    def __init__(self, collection, database, community_field=None):
        self._collection = collection
        self._database = database
        self.tenant = database.tenant
        # Set only when this collection is community-owned and the call names communities.
        self._community_field = community_field
        self._communities = sorted(database.communities or ())

    # -- scoping ---------------------------------------------------------------------------
    def _scoped(self, query):
        query = dict(query or {})
        if query.setdefault("tenant", self.tenant) != self.tenant:
            raise CrossTenant("a query named another tenant")
        return self._narrowed(query)

    def _narrowed(self, query):
        field = self._community_field
        if not field:
            return query
        given = query.get(field)
        if isinstance(given, str) and given in self._communities:
            return query  # already inside the scope (keeps upserts' equality intact)
        condition = {field: {"$in": self._communities}}
        if field in query:  # the caller's own condition stays, and is narrowed too
            query["$and"] = [*query.get("$and", ()), condition]
        else:
            query.update(condition)
        return query

    def _inside(self, community_id):
        if self._community_field and community_id not in self._communities:
            raise OutsideCommunities(
                f"this token is limited to communities {', '.join(self._communities) or '(none)'}")

    def _stamped(self, document):
        if document.setdefault("tenant", self.tenant) != self.tenant:
            raise CrossTenant("a document named another tenant")
        if self._community_field:
            self._inside(document.get(self._community_field))
        return document

    def _checked_update(self, query, update, upsert):
        """An update may not move a document out of the scope, nor upsert one outside it."""
        field = self._community_field
        if not field:
            return
        for operator in ("$unset", "$rename"):
            if field in (update.get(operator) or {}):
                self._inside(None)  # a document without its community leaves every scope
        named = [ops[field] for ops in (update.get("$set"), update.get("$setOnInsert"))
                 if isinstance(ops, dict) and field in ops]
        for community_id in named:
            self._inside(community_id)
        if upsert and not named:
            self._inside(query.get(field))

    def _with_events(self, update, events, record=True):
        update = self._recorded(update) if record else update
        if not events:
            return update, []
        completed = [self._database.complete(event) for event in events]
        return outbox_update(update, completed, self._database.leases), completed

    def _recorded(self, update):
        """Record the request in the same write (chassis/calls.py)."""
        request_id = self._database.ledger.request_id
        if not request_id or not any(key.startswith("$") for key in update):
            return update
        return calls.recorded(update, request_id)

    def _announce(self, doc_id, events, alone=False):
        """Tell the relay. `alone`: the write left no older pending events on the document,
        so the relay may publish these as they are, without reading them back."""
        if events:
            self._database._on_events(self._collection.name, doc_id, events if alone else None)

    # -- reads -----------------------------------------------------------------------------
    def find_one(self, query, projection=None):
        projection = projection or HIDDEN
        if _by_id_alone(query, self.tenant) and "." not in (self._community_field or ""):
            return self._own_by_id(query["_id"], projection)
        asked, dropped = _store_projection(projection)
        return _without(self._collection.find_one(self._scoped(query), asked), dropped)

    def _own_by_id(self, doc_id, projection):
        """A read by id alone, scoped here instead of in the filter. Ids are unique in a
        collection, so the store's one document for the id is the answer or nothing: it is
        returned only when it is this tenant's and inside the caller's communities. Why: the
        nx-27017 stand-in answers `{_id}` on a fast path and plans every further field
        (`tenant`, the communities' `$in`) as a general query, ~0.25 ms more per read, and
        most of the platform's reads are by id (bench/RESULTS.md, sixth session)."""
        asked, dropped = _store_projection(projection)
        if asked is not None:
            asked, dropped = _with_scope_fields(asked, ("tenant", self._community_field))
        document = self._collection.find_one({"_id": doc_id}, asked)
        if document is None or document.get("tenant") != self.tenant:
            return None
        if self._community_field and document.get(self._community_field) not in \
                self._communities:
            return None
        return _without(document, dropped)

    def find_by_ids(self, ids, projection=None):
        """This tenant's documents (inside the caller's scope) with these ids, in one command;
        one id is a read by id alone, the store's cheap one. None asked, none read."""
        ids = list(ids)
        if len(ids) == 1:
            found = self.find_one({"_id": ids[0]}, projection)
            return [found] if found is not None else []
        return self.find({"_id": {"$in": ids}}, projection=projection) if ids else []

    def find(self, query=None, sort=None, limit=0, projection=None):
        asked, dropped = _store_projection(projection or HIDDEN)
        cursor = self._collection.find(self._scoped(query), asked)
        if sort:
            cursor = cursor.sort(sort)
        if limit:
            cursor = cursor.limit(limit)
        return [_without(document, dropped) for document in cursor]

    def count(self, query=None):
        return self._collection.count_documents(self._scoped(query))

    def aggregate(self, pipeline):
        first = {"$match": self._narrowed({"tenant": self.tenant})}
        return list(self._collection.aggregate([first, *pipeline]))

    # -- writes ----------------------------------------------------------------------------
    def insert_one(self, document, events=()):
        """Insert with its events. A request delivered again gets the document its first
        delivery inserted (no second write, no second event): see chassis/calls.py."""
        document = self._stamped(dict(document))
        completed = [self._database.complete(event) for event in events]
        document.update(outbox_fields(completed, self._database.leases))
        key = self._database.ledger.next_insert_key(self._collection.name)
        if key:
            calls.ensure_index(self._collection)
            document[calls.INSERTED_BY] = key
        try:
            self._collection.insert_one(document)
        except DuplicateKeyError:
            first = key and self._collection.find_one(
                {"tenant": self.tenant, calls.INSERTED_BY: key}, HIDDEN)
            if not first:
                raise
            return first
        self._announce(document["_id"], completed, alone=True)
        document.pop(calls.INSERTED_BY, None)
        return document

    def replayed(self, doc_id):
        """The document as this request already changed it, or None: lets a repeated
        transition answer its first result instead of a conflict."""
        request_id = self._database.ledger.request_id
        if not request_id:
            return None
        return self._collection.find_one(
            self._scoped({"_id": doc_id, **calls.replay_filter(request_id)}), HIDDEN)

    def insert_if_absent(self, document):
        """Insert unless a document with this _id (or unique key) exists: True if inserted."""
        try:
            self._collection.insert_one(self._stamped(dict(document)))
            return True
        except DuplicateKeyError:
            return False

    def insert_all_absent(self, documents):
        """insert_if_absent for several documents in one command (unordered: each is tried
        whatever the others meet): how many were inserted."""
        return insert_all_absent(self._collection, [self._stamped(dict(d)) for d in documents])

    def update_one(self, query, update, events=(), upsert=False, record=True):
        """`record=False`: do not note the request on the document (for hot documents many
        requests change, such as an activity's seat counters, which must not grow)."""
        self._checked_update(query or {}, update, upsert)
        update, completed = self._with_events(update, events, record)
        query = self._scoped(query)
        result = self._collection.update_one(query, update, upsert=upsert)
        if result.matched_count or result.upserted_id is not None:
            self._announce(result.upserted_id or query.get("_id"), completed)
        return result.matched_count > 0 or result.upserted_id is not None

    def find_one_and_update(self, query, update, events=(), upsert=False, record=True):
        """Apply the update and return the document after it, or None when nothing matched."""
        self._checked_update(query or {}, update, upsert)
        update, completed = self._with_events(update, events, record)
        document = self._collection.find_one_and_update(
            self._scoped(query), update, upsert=upsert, return_document=ReturnDocument.AFTER)
        if document is None:
            return None
        _without(document, WITHOUT_PENDING_COUNT)
        pending = document.pop("_outbox_n", 0)
        self._announce(document["_id"], completed, alone=pending == len(completed))
        return document

    def update_each(self, changes):
        """Several `(query, update)` pairs, each applied to at most one document, in one
        command (unordered; no events, not recorded): how many matched. A caller that needs
        to know which reads them back."""
        requests = []
        for query, update in changes:
            self._checked_update(query, update, upsert=False)
            requests.append(pymongo.UpdateOne(self._scoped(query), update))
        if not requests:
            return 0
        return self._collection.bulk_write(requests, ordered=False).matched_count

    def update_many(self, query, update):
        """Update this tenant's documents matching the query; no events, not recorded. How
        many matched."""
        self._checked_update(query, update, upsert=False)
        return self._collection.update_many(self._scoped(query), update).matched_count

    def delete_many(self, query):
        """Delete this tenant's documents matching the query (never another tenant's)."""
        return self._collection.delete_many(self._scoped(query)).deleted_count


def _by_id_alone(query, tenant):
    """Whether a filter asks for one id and nothing else (its own tenant aside)."""
    if not isinstance(query, dict) or "_id" not in query:
        return False
    if len(query) == 2 and query.get("tenant") != tenant:
        return False  # another field, or another tenant (refused by _scoped)
    return len(query) <= 2 and isinstance(query["_id"], (str, int)) and \
        not isinstance(query["_id"], bool)


def _store_projection(projection):
    """(the projection to ask the store with, the top-level fields to drop here). An exclusion
    of top-level fields is applied here, after the store answered the whole document: the
    stand-in applies any projection by deep-copying each document in Python, ~0.15 ms a
    document, where popping a few keys here costs microseconds (the excluded fields are
    small: outbox bookkeeping, request marks, a resident's counted visits)."""
    excluding = not any(projection.values())
    if excluding and not any("." in key for key in projection):
        return None, list(projection)
    return projection, []


def _without(document, fields):
    if document is not None:
        for field in fields:
            document.pop(field, None)
    return document


def _with_scope_fields(projection, fields):
    """The projection to ask the store with, so that the document comes back with the fields
    its scope is checked by, and the fields added for that (to drop from the answer)."""
    fields = [field for field in fields if field and field != "_id"]
    including = any(projection.values())  # {"_id": 1} too: an inclusion of the id alone
    asked, added = dict(projection), []
    for field in fields:
        if including and not asked.get(field):
            asked[field] = 1
            added.append(field)
        elif not including and field in asked:
            del asked[field]  # an exclusion of a scope field: read it, drop it after
            added.append(field)
    return asked, added


def ensure_tenant_index(collection, keys, **options):
    """Create a tenant-led index on a raw collection (used at start-up, before any call)."""
    return collection.create_index([("tenant", pymongo.ASCENDING), *keys], **options)


DUPLICATE_KEY = 11000


def insert_all_absent(collection, documents):
    """Insert each document unless one with its _id (or unique key) exists, in one command:
    how many were inserted. Any other failure is raised."""
    if not documents:
        return 0
    try:
        return len(collection.insert_many(documents, ordered=False).inserted_ids)
    except BulkWriteError as exc:
        if any(error.get("code") != DUPLICATE_KEY for error in exc.details["writeErrors"]):
            raise
        return exc.details["nInserted"]
