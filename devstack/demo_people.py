"""The demo people the console's development sign-in offers (GET /v1/dev/people). Their subs
are fixed here; the resident's sub is their resident id, looked up by name in the demo data
(devstack/demo.py) when someone asks, since ids are made when the data is loaded."""
from devstack import demo

TENANT = demo.TENANT
STAFF_SUB = "demo-staff"  # the launcher's printed token uses the same sub
# The worker of 第1网格 (李大爷's grid) in the outreach demo (devstack/demo_outreach.py WORKERS,
# from the council branch): the grid whose worker_subs hold this sub is the one they see.
GRID_WORKER_SUB = "grid-worker-1"
DOCTOR_SUB = "demo-doctor"
RESIDENT_NAME = demo.RESIDENTS[0][0]  # 李大爷, 88, the report's injured leg

# key, name, title, roles, where the console opens for them
PEOPLE = (
    {"key": "staff", "name": "王主任", "title": f"{demo.COMMUNITY}工作人员",
     "roles": ["community_staff"], "sub": STAFF_SUB, "home": "/staff"},
    {"key": "grid_worker", "name": "陈网格员", "title": f"{demo.COMMUNITY}网格员",
     "roles": ["grid_worker"], "sub": GRID_WORKER_SUB, "home": "/grid"},
    {"key": "doctor", "name": "刘医生", "title": "太和医院西院区上门医疗队",
     "roles": ["medical_staff"], "sub": DOCTOR_SUB, "home": "/medical"},
    {"key": "resident", "name": RESIDENT_NAME, "title": "居民（永光新村）",
     "roles": ["resident"], "sub": None, "resident_name": RESIDENT_NAME, "home": "/me"},
)
