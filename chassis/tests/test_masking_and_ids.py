import json
import logging

from chassis import ids, logcontext
from chassis.logs import JsonFormatter
from chassis.masking import mask_id_number, mask_phone, mask_text


def test_phone_and_id_number_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("42030219460302123X") == "420302********123X"
    assert mask_phone(None) is None


def test_free_text_is_masked():
    text = mask_text("李大爷 13812345678 身份证 42030219460302123X 住3栋")
    assert "13812345678" not in text and "138****5678" in text
    assert "42030219460302123X" not in text and "李大爷" in text


def test_log_lines_are_json_with_context_and_masked():
    logcontext.enter("residents", {"tenant": "hongwei", "correlation_id": "c1"})
    try:
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "call %s", ("13812345678",), None)
        line = json.loads(JsonFormatter("residents").format(record))
    finally:
        logcontext.leave()
    assert line["tenant"] == "hongwei" and line["correlation_id"] == "c1"
    assert line["message"] == "call 138****5678" and line["service"] == "residents"


def test_ids_are_unique_and_sort_by_time():
    made = [ids.new_id() for _ in range(1000)]
    assert len(set(made)) == 1000 and all(len(i) == 26 for i in made)
    assert sorted(made)[0][:8] == made[0][:8]
