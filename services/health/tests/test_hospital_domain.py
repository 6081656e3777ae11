"""Referral, identity and intake rules without a broker or a store."""
import pytest

from services.health import identity, intake, referrals

ENVELOPE = {"event_id": "e1", "tenant": "hongwei", "type": "hospital.patient_discharged",
            "version": 1, "data": {"patient_id": "TH-1", "id_number": "420302194109030023",
                                   "name": "王奶奶", "discharged_at": "2026-11-28T10:00:00+08:00"}}


def test_a_parked_event_keeps_the_id_number_masked_only():
    review = identity.review(ENVELOPE, "no single resident has this ID number")
    assert review["id_number"] == "420302********0023"
    assert "420302194109030023" not in str(review)
    assert review["data"] == {"patient_id": "TH-1", "name": "王奶奶",
                              "discharged_at": "2026-11-28T10:00:00+08:00"}
    assert review["status"] == "open" and review["name"] == "王奶奶"


def test_review_ids_and_business_keys_differ_across_tenants():
    other = {**ENVELOPE, "tenant": "other"}
    assert identity.review(ENVELOPE, "r")["_id"] != identity.review(other, "r")["_id"]
    assert identity.business_key("a", "TH-1") != identity.business_key("b", "TH-1")
    assert identity.business_key("a", "TH-1") == identity.business_key("a", "TH-1")


def test_hospital_times_are_stored_in_utc():
    assert intake.utc("2026-11-28T10:00:00+08:00") == "2026-11-28T02:00:00.000+00:00"
    assert intake.utc("2026-11-28T02:00:00Z") == "2026-11-28T02:00:00.000+00:00"


@pytest.mark.parametrize("data, reason", [
    ({"patient_id": "p", "id_number": "x"}, "no single resident has this ID number"),
    ({"patient_id": "p"}, "unknown patient id and no ID number to match"),
])
def test_unmatched_reasons(data, reason):
    assert intake.unmatched_reason(data) == reason


def test_an_answer_sets_status_and_a_repeat_is_recognised():
    accepted = referrals.answer("accepted", {"accepted_at": "t1", "patient_id": "TH-1",
                                             "appointment_at": "t2", "department": "骨科"})
    assert accepted["status"] == "accepted" and accepted["patient_id"] == "TH-1"
    referral = {"_id": "r", "status": "accepted", "answered_at": "t1"}
    assert referrals.same_answer(referral, accepted)
    declined = referrals.answer("declined", {"declined_at": "t3", "reason": "无床位"})
    assert not referrals.same_answer(referral, declined)


def test_a_referral_view_hides_the_reason_from_non_clinicians():
    row = {"_id": "r", "visit_id": "v", "resident_id": "x", "community_id": "k",
           "department": "骨科", "urgency": "routine", "status": "requested",
           "requested_at": "t", "reason": "腿伤", "patient_id": None}
    assert "reason" not in referrals.referral_view(row, clinical=False)
    assert referrals.referral_view(row, clinical=True)["reason"] == "腿伤"
