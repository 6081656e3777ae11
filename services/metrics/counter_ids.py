"""How the summary's counters name things (counters.py, latest_counters.py,
household_counters.py and the counter modules beside them): an id as a field name of the
document that counted it, and the shard of a community's counters an id falls in."""
import zlib

SHARDS = 16  # a community's ids spread over this many documents, each kept small


def field_key(item_id):
    # ids become field names: a dot or a $ would be read as a path or an operator. Escaped
    # one to one (the stand-in's paths take ASCII safely).
    return (str(item_id).replace("_", "__").replace(".", "_d").replace("$", "_s"))


def shard_of(item_id):
    return zlib.crc32(str(item_id).encode()) % SHARDS
