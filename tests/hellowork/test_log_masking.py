import logging

from hellowork.log_masking import MaskPersonalData, mask


def test_mask_hides_what_could_identify_a_person():
    line = "GET /counter/seekers/?q=%E3%83%A4 HTTP/1.1 from hr@asahi.example.jp 090-1234-5678 07040-00001234"
    masked = mask(line)
    for private in ["%E3%83%A4", "hr@asahi.example.jp", "090-1234-5678", "07040-00001234"]:
        assert private not in masked
    assert masked.startswith("GET /counter/seekers/?<query>")


def test_the_filter_rewrites_the_record_with_its_arguments():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "login by %s", ("dave@example.jp",), None
    )
    assert MaskPersonalData().filter(record)
    assert record.getMessage() == "login by <email>"


def test_the_console_handler_masks(settings):
    handlers = settings.LOGGING["handlers"]
    assert "mask_personal_data" in handlers["console"]["filters"]
