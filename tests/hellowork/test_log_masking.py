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


def _logged_through_the_console_handler(raise_it):
    """What the configured console handler writes for a logged exception."""
    import io

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskPersonalData())
    logger = logging.getLogger("tests.masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise_it()
        except Exception:
            logger.exception("Internal Server Error: %s", "/mypage/members/")
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_exception_text_and_tracebacks_are_masked():
    import datetime

    def raise_it():
        name, kana, born = "田中 京子", "タナカ キョウコ", datetime.date(1985, 4, 12)
        raise ValueError(
            f"Key (lower(email::text))=(kyoko@asahi.example.jp) already exists; {name} {kana} "
            f"{born!r} {born} 福島県郡山市堤下町1-2 code 7K3M-9Q2X-HT4 otp 482913 "
            f"pairing 4829130571"
        )

    written = _logged_through_the_console_handler(raise_it)
    assert "Traceback" in written and "ValueError" in written
    for private in [
        "kyoko@asahi.example.jp",
        "田中",
        "京子",
        "タナカ",
        "1985, 4, 12",
        "1985-04-12",
        "郡山市",
        "7K3M-9Q2X-HT4",
        "482913",
        "4829130571",
    ]:
        assert private not in written, private
