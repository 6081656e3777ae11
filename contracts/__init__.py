"""The language the services speak: one envelope, and a versioned schema for every event.

Event shapes live here and nowhere else. See contracts/README.md."""
from contracts.registry import (  # noqa: F401
    UnknownEvent,
    BadEnvelope,
    parse_envelope,
    new_event,
    known_versions,
)
