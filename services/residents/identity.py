"""Mainland resident identity card numbers (GB 11643-1999): 17 digits and a check character."""
from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number_problem(number):
    """None when the number is well formed, else a message saying what is wrong."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789Xx":
        return "An ID number has 17 digits and a final digit or X."
    try:
        date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return "The ID number holds no valid birth date."
    total = sum(int(digit) * weight for digit, weight in zip(number[:17], _WEIGHTS))
    if _CHECK[total % 11] != number[17].upper():
        return "The ID number's check digit is wrong."
    return None


def with_check_digit(first17):
    """Complete 17 digits with their check character (demo data and tests)."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return first17 + _CHECK[total % 11]
