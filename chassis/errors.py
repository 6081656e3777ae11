"""Errors that cross RPC and become HTTP problems at the gateway.

Registered with nameko so the caller gets the same exception class back, with its arguments
(a field error map for Invalid), instead of an opaque RemoteError."""
from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    status = 400
    title = "Bad request"

    @property
    def detail(self):
        return self.args[0] if self.args else self.title


@deserialize_to_instance
class NotFound(DomainError):
    status = 404
    title = "Not found"


@deserialize_to_instance
class Conflict(DomainError):
    status = 409
    title = "Conflict"


@deserialize_to_instance
class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


@deserialize_to_instance
class Invalid(DomainError):
    """Validation failed: args are (detail, {field: [messages]})."""

    status = 422
    title = "Validation failed"

    @property
    def errors(self):
        return self.args[1] if len(self.args) > 1 else {}


@deserialize_to_instance
class MissingTenant(DomainError):
    """Raised when code asks the store for data without a tenant: a programming error."""

    status = 500
    title = "No tenant in context"


EXPECTED = (NotFound, Conflict, Forbidden, Invalid)


@deserialize_to_instance
class ServiceUnavailable(DomainError):
    """A service, the broker or the store cannot be reached now; try again shortly."""

    status = 503
    title = "Service unavailable"


@deserialize_to_instance
class ServiceTimeout(DomainError):
    """A service did not answer within the bound."""

    status = 504
    title = "Service timed out"


class Reject(Exception):
    """Raised by an event handler: this message can never be applied (an answer to a referral
    we never sent, say). The consumer parks it in the dead-letter queue at once with this
    reason, without retries that could not succeed either."""


def found(fetch, doc_id, what):
    """What `fetch(doc_id)` returns, or NotFound. An id that is not a string is never looked
    up; another tenant's id is not found either (the store is tenant-scoped)."""
    document = fetch(doc_id) if isinstance(doc_id, str) else None
    if document is None:
        raise NotFound(f"no {what} {doc_id}")
    return document
