"""Watches projections appear in the store: when each visit becomes visible in a collection.

Every few milliseconds it asks each collection which of the still-unseen visit ids exist
(one `$in` query on `_id`, shrinking as visits appear): the moment a visit's fact is first
seen is when a reader of that service would first see it. It asks only for what it has not
seen, so its own load on the store stays small next to the load it measures."""
import threading
import time

import pymongo


class VisibilityWatcher(threading.Thread):
    def __init__(self, mongo_uri, targets, ids, interval=0.005):
        """`targets`: {label: (database, collection)}; `ids`: the visit ids to watch for."""
        super().__init__(daemon=True)
        self.client = pymongo.MongoClient(mongo_uri)
        self.targets = {label: self.client[db][coll] for label, (db, coll) in targets.items()}
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
                found = collection.find({"_id": {"$in": list(unseen)}}, {"_id": 1})
                now = time.monotonic()
                for document in found:
                    self.seen[label][document["_id"]] = now
                    unseen.discard(document["_id"])
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
