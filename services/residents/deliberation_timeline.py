"""The deliberation week on a resident's timeline: proposals they made, supports they gave
(with who acted on their behalf), and what became of their proposals."""
from services.residents import domain, store

KINDS = {
    "council.proposal_submitted": "proposal_submitted",
    "council.proposal_supported": "proposal_supported",
    "council.proposal_decided": "proposal_decided",
    "council.proposal_implemented": "proposal_implemented",
}


def summary(envelope):
    data = envelope["data"]
    title = data["title"]
    kind = envelope["type"]
    if kind == "council.proposal_submitted":
        return f"在居民议事周提出议题：{title}"
    if kind == "council.proposal_supported":
        return f"支持议题：{title}"
    if kind == "council.proposal_decided":
        verdict = "采纳" if data["outcome"] == "accepted" else "未采纳"
        return f"议题「{title}」已{verdict}：{data['answer']}"
    return f"议题「{title}」已落实完成"


def entry(envelope, resident_id):
    """The timeline entry; its `actor` is the envelope's, which names `on_behalf_of` when
    someone else acted for the resident (council's Call.act_for)."""
    return domain.timeline_entry(envelope, resident_id, KINDS[envelope["type"]],
                                 summary(envelope))


def record(db, envelope, resident_id):
    if resident_id:  # an implemented event from before authors travelled has none
        store.add_timeline_entry(db, entry(envelope, resident_id))
