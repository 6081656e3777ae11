"""What a resident may see of routes that staff read too: only what is their own. Another
resident's record answers 404, exactly as if it did not exist."""
from chassis.errors import NotFound
from gateway import roles


def only_resident(request):
    """The caller holds no staff role: answers are narrowed to their own records."""
    return not request.principal.has_any(roles.STAFF)


def staff_or_self(request, resident_id):
    if only_resident(request) and request.principal.sub != resident_id:
        raise NotFound(f"no resident {resident_id}")
