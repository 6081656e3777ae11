"""Masking of personal numbers: phones keep 3+4 digits, ID numbers keep the first 6 and last 4.

Used for every answer and, through the log filter, for every log line."""
import re

_ID_NUMBER = re.compile(r"(?<!\d)(\d{6})\d{7,8}(\d{3}[\dXx])(?![\dXx])")
_PHONE = re.compile(r"(?<!\d)(1\d{2})\d{4}(\d{4})(?!\d)")


def mask_phone(phone):
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(number):
    if not number:
        return number
    number = number.strip()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_text(text):
    """Mask anything that looks like an ID number or a mobile number inside free text."""
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "********" + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


# Clinical free text an operator's tools never show (they show that it is there).
CLINICAL_KEYS = frozenset({"symptoms", "history", "medication", "checks", "reason", "note",
                           "decline_reason", "hospital_note", "diagnosis"})
HIDDEN_TEXT = "[hidden]"


def mask_record(value):
    """A JSON-like value with ID numbers and phones masked and clinical fields hidden, by
    field name and, for anything else, by what the text looks like (dead letters, logs)."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if key == "id_number" and isinstance(item, str):
                masked[key] = mask_id_number(item)
            elif key == "phone" and isinstance(item, str):
                masked[key] = mask_phone(item)
            elif key in CLINICAL_KEYS and item not in (None, "", [], {}):
                masked[key] = HIDDEN_TEXT
            else:
                masked[key] = mask_record(item)
        return masked
    if isinstance(value, list):
        return [mask_record(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
