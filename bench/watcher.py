"""Watches projections appear in the store: when each visit becomes visible in a collection.

Every few milliseconds it asks each collection which of the still-unseen visits show (one
`$in` query on `_id`, shrinking as visits appear): the moment a visit is first seen is when a
reader of that service would first see it. It asks only for what it has not seen, and (with
`expect`) only for visits already answered, so its own load on the store stays small next to
the load it measures and does not grow with the length of the run: asking for every visit not
yet seen made the slower side pay more store CPU for the watching (a third of the store's
command time in a platform run, 2026-12-01)."""
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
        """`targets`: {label: Target}; `ids`: the visit ids to watch for from the start (more
        join with `expect`)."""
        super().__init__(daemon=True)
        self.client = pymongo.MongoClient(mongo_uri)
        self.specs = targets
        self.targets = {label: self.client[t.database][t.collection]
                        for label, t in targets.items()}
        self.unseen = {label: set(ids) for label in targets}
        self.seen = {label: {} for label in targets}
        self.interval = interval
        self._halt = threading.Event()
        self._lock = threading.Lock()

    def expect(self, visit_id):
        """Watch for this visit too (call it when its completion was answered)."""
        with self._lock:
            for label, unseen in self.unseen.items():
                if visit_id not in self.seen[label]:
                    unseen.add(visit_id)

    def run(self):
        while not self._halt.is_set():
            for label, collection in self.targets.items():
                spec = self.specs[label]
                with self._lock:
                    unseen = self.unseen[label]
                    if not unseen:
                        continue
                    visit_of = {spec.key(visit_id): visit_id for visit_id in unseen}
                found = collection.find({"_id": {"$in": list(visit_of)}, **spec.condition},
                                        {"_id": 1})
                now = time.monotonic()
                for document in found:
                    visit_id = visit_of[document["_id"]]
                    with self._lock:
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
