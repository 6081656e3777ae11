"""How a counter document names what it counted: an id as a field name, and the shard of a
scope's counters an id falls in. Used by metrics' summary counters (ADR 0015, 0016) and
council's coverage counts (ADR 0017)."""
import zlib

SHARDS = 16  # a scope's ids spread over this many documents, each kept small


def field_key(item_id):
    # ids become field names: a dot or a $ would be read as a path or an operator. Escaped
    # one to one (the stand-in's paths take ASCII safely).
    return str(item_id).replace("_", "__").replace(".", "_d").replace("$", "_s")


def shard_of(item_id):
    return zlib.crc32(str(item_id).encode()) % SHARDS
