"""The council service: one nameko class composing each module's entrypoints (mixins).

Each module keeps its collections and indexes beside its code; the Store here is the union."""
from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.health import HealthChecks
from chassis.store import Store
from services.council.deliberation import store as deliberation_store
from services.council.deliberation.entrypoints import DeliberationEntrypoints

OUTBOXED = (*deliberation_store.OUTBOXED,)


def ensure_indexes(raw):
    deliberation_store.ensure_indexes(raw)


class CouncilService(DeliberationEntrypoints, HealthChecks):
    name = "council"

    config = Config()
    call = CallContext()
    store = Store(outboxed=OUTBOXED, indexes=ensure_indexes)
