"""The call context: who acts, for which tenant (and which of its communities), under which
correlation id.

The gateway binds it from the verified token; nameko carries it in context data into every
RPC call; event consumers bind it from the envelope. Services read it, never the request body.

`communities` is the token's optional claim: absent, the caller acts for the whole tenant;
present, only for those communities (the tenant-scoped store narrows to them, see
chassis/tenancy.py). Event consumers and system jobs bind none: they work for the tenant."""
from nameko.extensions import DependencyProvider

from chassis import ids
from chassis.errors import MissingTenant
from chassis import logcontext

TENANT = "tenant"
ACTOR = "actor"
ROLES = "roles"
COMMUNITIES = "communities"
ON_BEHALF_OF = "on_behalf_of"
CORRELATION_ID = "correlation_id"
EVENT_ID = "event_id"
# Set for each request served by chassis.rpc or chassis.internal_commands (calls.served_request_id)
REQUEST_ID = "gongzhi_request"
CLIENT_REQUEST = "gongzhi_client_request"  # the gateway's Idempotency-Key, scoped to the caller
CONTEXT_KEYS = (TENANT, ACTOR, ROLES, COMMUNITIES, ON_BEHALF_OF, CORRELATION_ID, EVENT_ID,
                REQUEST_ID, CLIENT_REQUEST)


class Call:
    """A read-only view of one worker's context data."""

    def __init__(self, data):
        self._data = data

    @property
    def tenant(self):
        tenant = self._data.get(TENANT)
        if not tenant:
            raise MissingTenant("this call carries no tenant")
        return tenant

    @property
    def actor(self):
        return self._data.get(ACTOR) or "system"

    @property
    def roles(self):
        return frozenset(self._data.get(ROLES) or ())

    @property
    def communities(self):
        """The communities this call may see, or None for the whole tenant. An empty claim
        sees no community's data (never "everything")."""
        value = self._data.get(COMMUNITIES)
        if value is None:
            return None
        return frozenset(value)

    def sees_community(self, community_id):
        communities = self.communities
        return communities is None or community_id in communities

    @property
    def on_behalf_of(self):
        return self._data.get(ON_BEHALF_OF)

    @property
    def correlation_id(self):
        return self._data.get(CORRELATION_ID)

    @property
    def request_id(self):
        """The request being served, over RPC or as an internal command (same on a
        redelivery or resend); None outside one."""
        return self._data.get(REQUEST_ID)

    def has_any(self, *roles):
        return bool(self.roles.intersection(roles))

    # -- acting (the two writes below are the only ones; both say why) ------------------------
    def act_for(self, resident_id):
        """The caller acts on this resident's behalf for the rest of the call: the events it
        writes carry `actor.on_behalf_of` (nothing when the resident acts themself)."""
        if resident_id and resident_id != self.actor:
            self._data[ON_BEHALF_OF] = resident_id

    def enter_tenant(self, tenant, actor):
        """A system job (a timer) acting in one tenant after another: the RPC calls this
        worker makes from now on carry this tenant and actor."""
        bind(self._data, tenant=tenant, actor=actor, roles=["system"])

    def actor_record(self):
        record = {"id": self.actor, "roles": sorted(self.roles)}
        if self.on_behalf_of:
            record["on_behalf_of"] = self.on_behalf_of
        return record


def bind(data, *, tenant, actor, roles, correlation_id=None, on_behalf_of=None, event_id=None,
         communities=None):
    """Replace whatever context a worker had with exactly these values. `communities` None
    (the default, and what event consumers bind): the whole tenant."""
    for key in CONTEXT_KEYS:
        data.pop(key, None)
    data.update({TENANT: tenant, ACTOR: actor, ROLES: list(roles),
                 CORRELATION_ID: correlation_id or ids.new_id()})
    if on_behalf_of:
        data[ON_BEHALF_OF] = on_behalf_of
    if event_id:
        data[EVENT_ID] = event_id
    if communities is not None:
        data[COMMUNITIES] = sorted(communities)


class CallContext(DependencyProvider):
    """Injects `Call` and makes the context visible to log lines of this worker."""

    def worker_setup(self, worker_ctx):
        logcontext.enter(self.container.service_name, worker_ctx.data)

    def worker_teardown(self, worker_ctx):
        logcontext.leave()

    def get_dependency(self, worker_ctx):
        return Call(worker_ctx.data)
