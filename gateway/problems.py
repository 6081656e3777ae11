"""RFC 9457 problem details: every error the gateway gives has this shape."""
from chassis.errors import DomainError, Invalid, ServiceTimeout, ServiceUnavailable
from chassis.rpc import unreachable
from chassis.web import problem

RETRY_AFTER_SECONDS = "5"


def from_exception(exc):
    """Map anything a request can raise to a problem; unexpected errors give no internals."""
    if isinstance(exc, Invalid):
        return problem(exc.status, exc.title, exc.detail, errors=exc.errors)
    if isinstance(exc, (ServiceUnavailable,)):
        return problem(503, exc.title, exc.detail, headers={"Retry-After": RETRY_AFTER_SECONDS})
    if isinstance(exc, ServiceTimeout):
        return problem(504, exc.title, exc.detail)
    if isinstance(exc, DomainError):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return problem(exc.status, exc.title, exc.detail, headers=headers)
    if unreachable(exc):  # the broker or the store, here or behind a service
        return problem(503, "Service unavailable", "a service or the store cannot be reached now",
                       headers={"Retry-After": RETRY_AFTER_SECONDS})
    return problem(500, "Internal error", "something went wrong; it has been logged")
