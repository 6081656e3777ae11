"""Commands over HTTP to the owning service, without the broker (ADR 0013, its addendum on
writes): the write twin of chassis/internal_reads.py, whose verification, answers, kept
connections and error mapping it shares.

    # the owning service: the RPC method itself, with a second entrypoint
    @rpc(expected_exceptions=EXPECTED)
    @internal_command("/internal/visits/<string:visit_id>/complete")
    def complete_visit(self, visit_id, payload): ...

    # the caller (the gateway)
    health_commands = InternalCommands("health")   # GONGZHI_HEALTH_URL
    ...
    self.health_commands.post(f"/internal/visits/{visit_id}/complete", body)

A write needs more of its caller's context than a read: the signed context of a POST carries
`on_behalf_of`, the client's Idempotency-Key and the request id the caller gave this command
(chassis/signed_context.py), and the signature covers the body's SHA-256. The served worker
records the request id that an RPC delivery of the same request would have
(calls.served_request_id): with an Idempotency-Key, `<key>/<service>.<method>`, the same over
RPC and HTTP; without, the caller's id, which its one resend on a closed kept connection
repeats. So a repeated delivery changes nothing more and answers as the first did
(chassis/calls.py), exactly as a redelivered RPC request."""
import inspect

from chassis import context
from chassis.bodies import parse_json, read_body
from chassis.calls import served_request_id
from chassis.internal_reads import InternalEntrypoint, InternalReads


class InternalCommand(InternalEntrypoint):
    """A POST with a JSON body. The method's parameters are the path's values and one more,
    which gets the body (None when empty), so the same method can be the RPC entrypoint too
    and run the same code under the same request id."""

    def __init__(self, url, **kwargs):
        super().__init__("POST", url, **kwargs)

    def setup(self):
        super().setup()
        method = getattr(self.container.service_cls, self.method_name)
        self._parameters = list(inspect.signature(method).parameters)[1:]  # without self

    def signed_body(self, request):
        request.shallow = False  # chassis/web.py made it shallow: nobody had read the body yet
        return read_body(request, self.settings.max_body_bytes)  # 413 past the bound

    def arguments(self, request, body):
        kwargs = dict(request.path_values)
        rest = [name for name in self._parameters if name not in kwargs]
        if rest:
            kwargs[rest[0]] = parse_json(body) if body.strip() else None  # 400 if malformed
        return (), kwargs

    def served_data(self, data):
        data[context.REQUEST_ID] = served_request_id(
            data.get(context.CLIENT_REQUEST), self.container.service_name, self.method_name,
            data[context.REQUEST_ID])
        return data


internal_command = InternalCommand.decorator


class InternalCommands(InternalReads):
    """The caller's dependency for a service's commands (`post(path, body)`); the same as
    InternalReads, whose client also reads, named for what it is used for."""
