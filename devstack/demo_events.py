"""Demo community activities for Kaixuan Community (issue 11), loaded through the public API:
partners (Kaixuan Primary School, an elderly-care home, the property company of Yongguang
Xincun), a past Mother's Day festival of the "Our Festivals" series (我们的节日) at the care
home with attendance, a past "Learn from Lei Feng" volunteering morning led by a party-member
volunteer with students and credited hours, an upcoming law lecture with seats left, and an
upcoming performance with a waiting list. The health figures are not touched."""
from datetime import date, timedelta

SERIES = "我们的节日"


def _by_name(residents):
    return {resident["name"]: resident for resident in residents}


def _register(client, activity, resident, role="participant", guardian=None):
    body = {"resident_id": resident["id"], "role": role}
    if guardian:
        body["guardian_resident_id"] = guardian["id"]
    return client.post(f"/v1/activities/{activity['id']}/registrations", body)


def _check_in(client, activity, registration):
    return client.post(f"/v1/activities/{activity['id']}/check-ins",
                       {"code": registration["check_in_code"]})


def load(client, community, compounds, residents):
    people = _by_name(residents)
    school = client.post("/v1/partners", {"name": "凯旋小学", "kind": "school",
                                          "contact_name": "于老师"})
    home = client.post("/v1/partners", {"name": "红卫街道颐养院", "kind": "elderly_care_home",
                                        "contact_name": "陈院长", "contact_phone": "13900001234"})
    property_co = client.post("/v1/partners", {"name": "永光新村物业服务中心",
                                               "kind": "property_company"})
    year = date.today().year if date.today() > date(date.today().year, 5, 11) \
        else date.today().year - 1

    # Mother's Day (second Sunday of May) at the care home: children perform and bring gifts.
    festival = client.post("/v1/activities", {
        "community_id": community["id"], "title": "母亲节·暖心送祝福", "kind": "festival",
        "series": SERIES, "place": "红卫街道颐养院活动厅",
        "description": "凯旋小学的孩子们为老人表演节目、送上亲手制作的礼物",
        "starts_at": f"{year}-05-10T09:00:00+08:00", "ends_at": f"{year}-05-10T11:00:00+08:00",
        "capacity": 30, "volunteer_capacity": 10,
        "partners": [{"partner_id": home["id"], "role": "host"},
                     {"partner_id": school["id"], "role": "co_organiser"}]})
    guests = ["王奶奶", "刘奶奶", "黄奶奶", "朱奶奶", "郑爷爷"]
    children = ["董小明", "萧小红"]
    guardian = people["冯女士"]
    attended = []
    for name in guests:
        attended.append(_register(client, festival, people[name]))
    helpers = [_register(client, festival, people[name], "volunteer", guardian)
               for name in children]
    for registration in attended[:-1] + helpers:  # 郑爷爷 could not come that day
        _check_in(client, festival, registration)
    client.post(f"/v1/activities/{festival['id']}/complete", {})

    # Learn from Lei Feng (5 March): a party-member volunteer leads students through the
    # compound, cleaning shared spaces and visiting lonely elderly people.
    lei_feng = client.post("/v1/activities", {
        "community_id": community["id"], "compound_id": compounds["永光新村"]["id"],
        "title": "学雷锋志愿服务：清扫楼道、探望独居老人", "kind": "volunteering",
        "place": "永光新村小区", "starts_at": f"{year}-03-05T08:30:00+08:00",
        "ends_at": f"{year}-03-05T11:30:00+08:00", "volunteer_capacity": 20,
        "partners": [{"partner_id": school["id"], "role": "co_organiser"},
                     {"partner_id": property_co["id"], "role": "host"}]})
    leader = _register(client, lei_feng, people["唐先生"], "volunteer")
    students = [_register(client, lei_feng, people["袁同学"], "volunteer", people["于老师"]),
                _register(client, lei_feng, people["董小明"], "volunteer", people["于老师"])]
    teacher = _register(client, lei_feng, people["于老师"], "volunteer")
    for registration in [leader, teacher, *students]:
        _check_in(client, lei_feng, registration)
    client.post(f"/v1/activities/{lei_feng['id']}/complete",
                {"hours": [{"registration_id": s["id"], "hours": 2} for s in students]})

    # Upcoming: a law lecture with seats left, a performance with a waiting list.
    soon = date.today() + timedelta(days=7)
    lecture = client.post("/v1/activities", {
        "community_id": community["id"], "title": "法律知识讲座：老年人防诈骗", "kind": "lecture",
        "place": "凯旋社区党群服务中心", "starts_at": f"{soon}T14:30:00+08:00",
        "ends_at": f"{soon}T16:00:00+08:00", "capacity": 40,
        "registration_closes_at": f"{soon}T12:00:00+08:00"})
    for name in ["李大爷", "张爷爷", "陈大爷", "杨奶奶", "赵爷爷", "吴奶奶"]:
        _register(client, lecture, people[name])
    later = date.today() + timedelta(days=14)
    show = client.post("/v1/activities", {
        "community_id": community["id"], "compound_id": compounds["永光新村"]["id"],
        "title": "永光新村邻里文艺汇演", "kind": "performance", "place": "永光新村中心广场",
        "starts_at": f"{later}T19:00:00+08:00", "ends_at": f"{later}T21:00:00+08:00",
        "capacity": 6, "volunteer_capacity": 3,
        "partners": [{"partner_id": property_co["id"], "role": "host"}]})
    audience = ["孙奶奶", "胡大爷", "林奶奶", "何大爷", "郭奶奶", "马爷爷", "罗奶奶", "梁大爷",
                "宋奶奶"]
    waiting = [_register(client, show, people[name]) for name in audience]
    waitlisted = sum(1 for r in waiting if r["status"] == "waitlisted")
    _register(client, show, people["韩阿姨"], "volunteer")
    return (f"activities: 3 partners, 2 past ({SERIES} Mother's Day festival, Lei Feng "
            f"volunteering with hours), 2 upcoming (a lecture with seats left, a performance "
            f"with {waitlisted} on the waiting list)")
