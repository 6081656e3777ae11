"""Watches projections appear in the store: when each visit becomes visible in a collection.

Every few milliseconds it asks each collection which of the still-unseen visits show (one
`$in` query on `_id`, shrinking as visits appear): the moment a visit is first seen is when a
reader of that service would first see it. It asks only for what it has not seen, so its own
load on the store stays small next to the load it measures."""
import threading
import time
from dataclasses import dataclass, field

import pymongo


@dataclass
class Target:
    """Where a visit shows: a document of `collection` whose `_id` is the visit's key (the visit
    id itself unless `keys` maps it, e.g. to its resident) and that matches `condition`."""
    database: str
    collection: str
    keys: dict = None
    condition: dict = field(default_factory=dict)

    def key(self, visit_id):
        return self.keys[visit_id] if self.keys else visit_id


class VisibilityWatcher(threading.Thread):
    def __init__(self, mongo_uri, targets, ids, interval=0.01):
        """`targets`: {label: Target}; `ids`: the visit ids to watch for."""
        super().__init__(daemon=True)
        self.client = pymongo.MongoClient(mongo_uri)
        self.specs = targets
        self.targets = {label: self.client[t.database][t.collection]
                        for label, t in targets.items()}
        self.unseen = {label: set(ids) for label in targets}
        self.seen = {label: {} for label in targets}
        self.interval = interval
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for label, collection in self.targets.items():
                unseen = self.unseen[label]
                if not unseen:
                    continue
                spec = self.specs[label]
                visit_of = {spec.key(visit_id): visit_id for visit_id in unseen}
                found = collection.find({"_id": {"$in": list(visit_of)}, **spec.condition},
                                        {"_id": 1})
                now = time.monotonic()
                for document in found:
                    visit_id = visit_of[document["_id"]]
                    self.seen[label][visit_id] = now
                    unseen.discard(visit_id)
            time.sleep(self.interval)

    def wait_for(self, ids, timeout):
        deadline = time.monotonic() + timeout
        wanted = set(ids)
        while time.monotonic() < deadline:
            if all(wanted <= set(seen) for seen in self.seen.values()):
                return True
            time.sleep(0.01)
        return False

    def stop(self):
        self._halt.set()
        self.join(5)
        self.client.close()
