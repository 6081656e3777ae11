"""Volunteer hours (志愿服务记录): from verified attendance only, once per registration. The
organising community records them and certifies them (Ministry of Civil Affairs measures for
volunteer service records, 2021: whoever organises records, whoever records certifies)."""
from datetime import datetime, timedelta, timezone

from chassis.errors import Invalid

CHINA = timezone(timedelta(hours=8))


def local_date(iso):
    """The calendar day in China (UTC+8) of a stored UTC instant: the day on the record."""
    return datetime.fromisoformat(iso).astimezone(CHINA).date().isoformat()


def overrides(requested, registrations, duration):
    """{registration_id: hours} from the organiser's figures, checked: each names an attended
    volunteer of this activity and gives 0 up to the activity's duration."""
    by_id = {registration["_id"]: registration for registration in registrations}
    errors, result = {}, {}
    for index, item in enumerate(requested):
        registration = by_id.get(item["registration_id"])
        if registration is None:
            errors[str(index)] = ["No such registration on this activity."]
        elif registration["role"] != "volunteer" or registration["status"] != "attended":
            errors[str(index)] = ["Hours go to volunteers who attended."]
        elif item["hours"] > duration:
            errors[str(index)] = [f"At most the activity's duration, {duration:g} hours."]
        else:
            result[item["registration_id"]] = round(item["hours"], 2)
    if errors:
        raise Invalid("the request has invalid fields", {"hours": errors})
    return result


def credited(registration, duration):
    """What a registration earns at completion: an attended volunteer the organiser's figure
    or the duration; anyone else nothing (None)."""
    if registration["role"] != "volunteer" or registration["status"] != "attended":
        return None
    given = registration.get("hours_given")
    return given if given is not None else duration


def hours_event_data(activity, registration, hours, at):
    return {"activity_id": activity["_id"], "community_id": activity["community_id"],
            "compound_id": activity.get("compound_id"), "title": activity["title"],
            "registration_id": registration["_id"], "resident_id": registration["resident_id"],
            "hours": hours, "date": local_date(activity["starts_at"]),
            "issued_by": activity["issued_by"],
            "at": at}


def record_item(registration):
    return {"activity_id": registration["activity_id"], "registration_id": registration["_id"],
            "title": registration.get("title"), "date": registration.get("hours_date"),
            "hours": registration["hours"], "issued_by": registration.get("issued_by")}
