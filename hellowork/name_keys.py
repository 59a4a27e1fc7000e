"""Search keys for names as people type them at a counter.

A name is kept as written (an old-form 髙 or 﨑 survives byte for byte: it is the person's
name); these keys are what a search compares, so that a clerk who types 高橋, a
half-width ﾀｶﾊｼ or たかはし finds 髙橋 / タカハシ. A key is for matching only: it is never
shown, and two different people may share one (the results show birth date and number to
tell them apart).
"""

import re
import unicodedata

# Old and variant forms of kanji common in names, to the form a clerk's keyboard gives
# first. NFKC already folds the CJK compatibility ideographs that have a decomposition; these
# are unified ideographs (or the twelve compatibility ones NFKC leaves alone, such as 﨑).
KANJI_VARIANTS = str.maketrans(
    {
        "髙": "高",
        "﨑": "崎",
        "嵜": "崎",
        "碕": "崎",
        "邊": "辺",
        "邉": "辺",
        "齋": "斎",
        "齊": "斎",
        "斉": "斎",
        "澤": "沢",
        "濱": "浜",
        "濵": "浜",
        "廣": "広",
        "國": "国",
        "櫻": "桜",
        "瀨": "瀬",
        "冨": "富",
        "德": "徳",
        "惠": "恵",
        "藏": "蔵",
        "龍": "竜",
        "眞": "真",
        "實": "実",
        "淺": "浅",
        "曾": "曽",
        "檜": "桧",
        "嶋": "島",
        "嶌": "島",
        "舘": "館",
        "埜": "野",
        "栁": "柳",
        "靜": "静",
        "條": "条",
        "壽": "寿",
        "與": "与",
        "萬": "万",
        "會": "会",
        "驒": "騨",
        "桒": "桑",
        "﨔": "欅",
        "𠮷": "吉",
        "敎": "教",
        "黑": "黒",
        "衞": "衛",
        "增": "増",
        "渕": "淵",
        "佛": "仏",
        "莊": "荘",
        "兒": "児",
        "圓": "円",
        "傳": "伝",
        "昻": "昂",
    }
)

_SPACES = re.compile(r"[\s\u3000・･.,、。]+")
# Dashes people type for the long-vowel mark (ー) in a kana name.
_LONG_VOWEL_TYPED = re.compile("[-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\uff70~〜～]")

# Old kana and the variants dictionaries and registries disagree on.
_KANA_VARIANTS = str.maketrans({"ヰ": "イ", "ヱ": "エ", "ヲ": "オ", "ヂ": "ジ", "ヅ": "ズ"})

_VOWEL_ROWS = {
    "ア": "アカサタナハマヤラワガザダバパァャヮ",
    "イ": "イキシチニヒミリギジヂビピィ",
    "ウ": "ウクスツヌフムユルグズヅブプヴゥュ",
    "エ": "エケセテネヘメレゲゼデベペェ",
    "オ": "オコソトノホモヨロヲゴゾドボポォョ",
}
_VOWEL_OF = {kana: vowel for vowel, row in _VOWEL_ROWS.items() for kana in row}
# How a long vowel is written after each vowel, folded to one form: オオノ, オウノ and オーノ
# (大野) all become オウノ; ケイコ, ケエコ and ケーコ become ケイコ.
_LENGTHENED = {"ア": "ア", "イ": "イ", "ウ": "ウ", "エ": "イ", "オ": "ウ"}
_LENGTHENERS = {"ア": "ア", "イ": "イ", "ウ": "ウ", "エ": "イエ", "オ": "ウオ"}


def _to_katakana(text: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "ぁ" <= ch <= "ゖ" else ch for ch in text)


def name_key(text: str) -> str:
    """A name as written (kanji, kana or Latin, full- or half-width) to its search key:
    NFKC, no spaces or dots, variant kanji folded (髙→高, 﨑→崎), kana folded as in
    `kana_key`, Latin letters upper-cased."""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).upper()
    return kana_key(text.translate(KANJI_VARIANTS))


def kana_key(text: str) -> str:
    """A reading in kana (hiragana, katakana or half-width) to its search key: katakana,
    no spaces, a typed dash read as the long-vowel mark, old kana folded (ヰ→イ, ヂ→ジ), and
    every way of writing a long vowel folded to one (オーノ = オオノ = オウノ). Characters
    that are not kana pass through unchanged (so a key of a kanji name is the name)."""
    text = _SPACES.sub("", _to_katakana(unicodedata.normalize("NFKC", text or "")))
    folded: list[str] = []
    for ch in text:
        vowel = _VOWEL_OF.get(folded[-1]) if folded else None
        if (vowel and (ch == "ー" or _LONG_VOWEL_TYPED.fullmatch(ch))) or (
            vowel in ("エ", "オ") and ch in _LENGTHENERS[vowel]
        ):
            folded.append(_LENGTHENED[vowel])
        else:
            folded.append(ch)
    return "".join(folded).translate(_KANA_VARIANTS)
