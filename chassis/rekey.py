"""Re-seal every sensitive field with the current data key: `python -m chassis.rekey [SERVICE...]`.

After GONGZHI_DATA_KEY gained a new first key (`k2:<new>,k1:<old>`), run this once; then the
old key can leave the ring. Values written before sealing existed (clear) are sealed too, and
lookup hashes are written again under the current key. What each service seals is read from
its `DataKeys(...)` declaration (chassis/sealing.py). Every consumer's dead letters are
re-sealed too (on GONGZHI_AMQP_URI; `--no-letters` leaves the broker alone).

Safe to rerun and to run while the services write: a value already under the current key is
left alone, and each change is a conditional write (only if the document still holds what was
read), so a value a service changed meanwhile is never overwritten; the next run takes it."""
import argparse
import inspect
import sys

from chassis import catalog, deadletters, mongo, sealing
from chassis.config import Settings


def data_keys_of(service_cls):
    """The DataKeys declaration of a service class, or None."""
    for _, value in inspect.getmembers(service_cls):
        if isinstance(value, sealing.DataKeys):
            return value
    return None


def rekey_collection(collection, fields, lookups, keys):
    """Re-seal one raw (all tenants) collection. Returns (documents changed, skipped
    because they changed while read)."""
    changed = skipped = 0
    wanted = {name: 1 for name in (*fields, *lookups)} | {"tenant": 1}
    for document in collection.find({}, wanted):
        tenant, record = document.get("tenant"), document["_id"]
        if not tenant:
            continue
        updates, clear = {}, {}
        for name in fields:
            if name not in document:
                continue
            slot = sealing.Slot(tenant, f"{collection.name}.{name}", record)
            clear[name] = keys.open(document[name], slot)
            if not keys.is_current(document[name]):
                updates[name] = keys.seal(clear[name], slot)
        for hash_field, source in lookups.items():
            if source in clear:
                fresh = keys.lookup(clear[source], tenant, f"{collection.name}.{source}")
                if document.get(hash_field) != fresh:
                    updates[hash_field] = fresh
        if not updates:
            continue
        unchanged = {name: document.get(name) for name in updates}
        result = collection.update_one({"_id": record, **unchanged}, {"$set": updates})
        changed += result.modified_count
        skipped += 1 - result.matched_count
    return changed, skipped


def rekey_service(db, declaration, keys):
    report = {}
    for name, fields in declaration.sealed.items():
        report[name] = rekey_collection(db[name], fields, declaration.lookups.get(name, {}),
                                        keys)
    return report


def main(argv=None, settings=None, out=sys.stdout):
    from chassis.runner import SERVICES, service_class  # every service, by name

    parser = argparse.ArgumentParser(prog="python -m chassis.rekey", description=__doc__)
    parser.add_argument("services", nargs="*", help="default: every service that seals")
    parser.add_argument("--no-letters", action="store_true",
                        help="do not re-seal dead letters (the broker is not reachable)")
    args = parser.parse_args(argv)
    settings = settings or Settings()
    keys = sealing.keyring(settings)
    client = mongo.connect(settings.mongo_uri)
    try:
        for name in args.services or list(SERVICES):
            declaration = data_keys_of(service_class(name))
            if declaration is None:
                if args.services:
                    print(f"{name}: seals nothing", file=out)
                continue
            db = client[settings.database_name(name)]
            for collection, (changed, skipped) in rekey_service(db, declaration, keys).items():
                print(f"{name}.{collection}: {changed} re-sealed under {keys.current.kid}"
                      + (f", {skipped} changed meanwhile (run again)" if skipped else ""),
                      file=out)
    finally:
        client.close()
    if not args.no_letters:
        for consumer in catalog.all_consumers():
            if not args.services or consumer.name.split(".")[0] in args.services:
                count = deadletters.reseal(settings.amqp_uri, consumer, keys)
                if count:
                    print(f"{consumer.name}: {count} dead letter(s) re-sealed", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
