"""The council service: the residents' voice. Thin: its entrypoints live in one mixin per
module (outreach, needs, the households projection; deliberation joins at merge), and this
class gives them their shared dependencies. Mixins hold no dependencies of their own, so
nothing collides by name; nameko finds their entrypoints on the base classes."""
from nameko.dependency_providers import Config

from chassis.context import CallContext
from chassis.health import HealthChecks
from chassis.rpc import BoundedRpcProxy
from chassis.store import Store
from services.council import households
from services.council.needs import store as needs_store
from services.council.needs.entrypoints import NeedsEntrypoints
from services.council.outreach import store as outreach_store
from services.council.outreach.entrypoints import OutreachEntrypoints

OUTBOXED = outreach_store.OUTBOXED + needs_store.OUTBOXED


def ensure_indexes(raw):
    households.ensure_indexes(raw)
    outreach_store.ensure_indexes(raw)
    needs_store.ensure_indexes(raw)


class CouncilService(OutreachEntrypoints, NeedsEntrypoints, households.HouseholdsProjection,
                     HealthChecks):
    name = "council"

    config = Config()
    call = CallContext()
    store = Store(outboxed=OUTBOXED, indexes=ensure_indexes)
    residents = BoundedRpcProxy("residents")
