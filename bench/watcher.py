"""Watches projections appear in the store: when each visit becomes visible in a collection.

Polls with one cheap query per collection every couple of milliseconds; the moment a visit's
fact is first seen is when a reader of that service would first see it."""
import threading
import time

import pymongo


class VisibilityWatcher(threading.Thread):
    def __init__(self, mongo_uri, targets, interval=0.002):
        """`targets`: {label: (database, collection)}."""
        super().__init__(daemon=True)
        self.client = pymongo.MongoClient(mongo_uri)
        self.targets = {label: self.client[db][coll] for label, (db, coll) in targets.items()}
        self.seen = {label: {} for label in targets}
        self.interval = interval
        self._halt = threading.Event()

    def run(self):
        while not self._halt.is_set():
            for label, collection in self.targets.items():
                now = time.monotonic()
                known = self.seen[label]
                for document in collection.find({}, {"_id": 1}):
                    known.setdefault(document["_id"], now)
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
