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
