"""Name search keys: what a clerk types finds the name as the registry wrote it."""

import pytest

from hellowork.name_keys import kana_key, name_key
from tests import factories


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("高橋", "髙橋"),
        ("山崎", "山﨑"),
        ("渡辺", "渡邉"),
        ("斎藤", "齋藤"),
        ("沢田", "澤田"),
        ("吉田", "𠮷田"),
        ("山田花子", "山田 花子"),
        ("山田　花子", "山田花子"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("やまだ", "ヤマダ"),
    ],
)
def test_a_name_typed_one_way_finds_it_written_another(typed, written):
    assert name_key(typed) == name_key(written)


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("おおの", "オオノ"),
        ("オーノ", "オオノ"),
        ("オウノ", "オオノ"),
        ("ｵｰﾉ", "オオノ"),
        ("けーこ", "ケイコ"),
        ("ユーコ", "ユウコ"),
        ("しょー", "ショウ"),
        ("ゆ-こ", "ユウコ"),
        ("ヤマダ ハナコ", "ヤマダハナコ"),
        ("いづみ", "イズミ"),
    ],
)
def test_a_reading_typed_one_way_finds_it_written_another(typed, written):
    assert kana_key(typed) == kana_key(written)


@pytest.mark.parametrize(("one", "other"), [("サトウ", "サイトウ"), ("タナカ", "タカナ")])
def test_different_readings_stay_different(one, other):
    assert kana_key(one) != kana_key(other)


def test_the_name_is_kept_as_written_and_its_keys_follow_every_save(db):
    seeker = factories.JobSeekerFactory(name="髙橋 﨑子", kana="タカハシ サキコ")
    seeker.refresh_from_db()
    assert seeker.name == "髙橋 﨑子"  # the person's name, byte for byte
    assert (seeker.name_key, seeker.kana_key) == ("高橋崎子", "タカハシサキコ")
    seeker.name, seeker.kana = "大野 一郎", "オオノ イチロウ"
    seeker.save(update_fields=["name", "kana"])
    seeker.refresh_from_db()
    assert (seeker.name_key, seeker.kana_key) == ("大野一郎", "オウノイチロウ")
