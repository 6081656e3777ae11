"""Demo identities shared by the platform's demo data (devstack/demo.py) and the simulator:
ID-card numbers in Maojian District, Shiyan (420302), where Taihe Hospital is."""
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
REGION = "420302"


def id_number(birth_date, sequence, male):
    """A well-formed (GB 11643) number for a demo person: region, birth date, order, check."""
    order = f"{sequence % 100:02d}{(sequence % 5) * 2 + (1 if male else 0)}"
    first17 = REGION + birth_date.replace("-", "") + order
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS))
    return first17 + _CHECK[total % 11]


# Patients the simulator plays in `demo` (name, birth date, male, demo sequence number):
DISCHARGED = ("王奶奶", "1941-09-03", False, 1)      # registered: matched by ID number
VISITED = ("郑爷爷", "1943-12-24", True, 22)          # registered: matched by ID number
UNKNOWN = ("钱奶奶", "1940-02-11", False, 77)         # not registered: goes to review
