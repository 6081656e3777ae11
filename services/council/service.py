"""The council service: one nameko class composing each module's entrypoints (mixins), which
hold the module's entrypoints and delegate to its domain functions. This class gives them their
shared dependencies; each module keeps its collections and indexes beside its code, and the
Store here is their union. nameko finds entrypoints and dependencies on the base classes."""
from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.health import HealthChecks
from chassis.rpc import BoundedRpcProxy
from chassis.store import Store
from services.council import household_counts, households
from services.council.deliberation import store as deliberation_store
from services.council.deliberation.entrypoints import DeliberationEntrypoints
from services.council.needs import store as needs_store
from services.council.needs.entrypoints import NeedsEntrypoints
from services.council.outreach import store as outreach_store
from services.council.outreach.entrypoints import OutreachEntrypoints

OUTBOXED = outreach_store.OUTBOXED + needs_store.OUTBOXED + deliberation_store.OUTBOXED
# Everything council keeps belongs to one community (chassis/tenancy.py): a token limited to
# some communities sees only theirs, on every route.
COMMUNITY_SCOPED = (households.HOUSEHOLDS, households.GRIDS, households.RESIDENTS,
                    household_counts.COUNTS,
                    outreach_store.KNOCKS, outreach_store.WEEKS, needs_store.NEEDS,
                    *deliberation_store.COLLECTIONS)


def ensure_indexes(raw):
    households.ensure_indexes(raw)
    outreach_store.ensure_indexes(raw)
    needs_store.ensure_indexes(raw)
    deliberation_store.ensure_indexes(raw)


class CouncilService(OutreachEntrypoints, NeedsEntrypoints, DeliberationEntrypoints,
                     households.HouseholdsProjection, HealthChecks):
    name = "council"

    config = Config()
    call = CallContext()
    store = Store(outboxed=OUTBOXED, indexes=ensure_indexes, community_scoped=COMMUNITY_SCOPED)
    residents = BoundedRpcProxy("residents")
