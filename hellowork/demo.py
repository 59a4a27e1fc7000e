"""The demo world of `manage.py seed_demo`: the Fukushima bureau and three of its offices.

Everything is derived from fixed seeds, so two runs build the same rows, and rows are
matched on their natural keys (numbers, login ids), so a second run changes nothing.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from hellowork.models import (
    EmployerMember,
    EmploymentType,
    Establishment,
    JobPosting,
    JobSeeker,
    Office,
    PostingStatus,
    StaffMember,
    StaffRole,
    User,
    UserKind,
)

DEMO_PASSWORD = "hellowork-demo"  # noqa: S105 (printed by seed_demo on purpose)
BUREAU = "福島労働局"

# (code, name, login prefix, number of seekers)
OFFICES = [
    ("0701", "ハローワーク福島", "fks", 15),
    ("0702", "ハローワーク平", "iwk", 15),
    ("0704", "ハローワーク郡山", "kor", 20),
]
# Where an employer without a my page returns the selection result printed on the back of
# the letter (demo values: the numbers are made up).
OFFICE_CONTACTS = {
    "0701": ("〒960-8000 福島県福島市太平寺1-2", "024-000-0701", "024-000-1701"),
    "0702": ("〒970-8000 福島県いわき市平3-4", "0246-00-0702", "0246-00-1702"),
    "0704": ("〒963-8000 福島県郡山市方八町5-6", "024-000-0704", "024-000-1704"),
}

# Titles each kind of business advertises: (title, employment type, monthly wage range)
FT, CT, PT = EmploymentType.FULL_TIME, EmploymentType.CONTRACT, EmploymentType.PART_TIME
TITLES = {
    "logistics": [
        ("配送ドライバー（中型）", FT, 220_000, 300_000),
        ("倉庫内作業員", PT, 110_000, 150_000),
        ("フォークリフトオペレーター", FT, 200_000, 260_000),
        ("配車係", FT, 210_000, 280_000),
    ],
    "factory": [
        ("機械オペレーター", FT, 190_000, 250_000),
        ("品質検査", CT, 170_000, 210_000),
        ("組立作業員", PT, 100_000, 140_000),
        ("生産管理", FT, 230_000, 320_000),
    ],
    "food": [
        ("食品製造スタッフ", PT, 100_000, 130_000),
        ("調理補助", PT, 90_000, 120_000),
        ("製造ライン責任者", FT, 220_000, 280_000),
    ],
    "medical": [
        ("看護師", FT, 260_000, 340_000),
        ("医療事務", FT, 170_000, 210_000),
        ("看護助手", PT, 110_000, 140_000),
    ],
    "welfare": [
        ("介護職員", FT, 190_000, 240_000),
        ("生活支援員", CT, 180_000, 220_000),
        ("送迎ドライバー", PT, 80_000, 110_000),
    ],
    "construction": [
        ("施工管理", FT, 260_000, 380_000),
        ("土木作業員", FT, 210_000, 280_000),
        ("重機オペレーター", FT, 230_000, 300_000),
    ],
    "it": [
        ("システムエンジニア", FT, 250_000, 400_000),
        ("プログラマー", FT, 220_000, 330_000),
        ("ヘルプデスク", CT, 180_000, 230_000),
    ],
    "shop": [
        ("販売スタッフ", PT, 90_000, 130_000),
        ("登録販売者", FT, 200_000, 240_000),
        ("薬剤師", FT, 300_000, 420_000),
    ],
    "hotel": [
        ("フロントスタッフ", FT, 180_000, 220_000),
        ("客室清掃", PT, 80_000, 110_000),
        ("調理師", FT, 200_000, 270_000),
    ],
    "office": [
        ("営業職", FT, 210_000, 300_000),
        ("一般事務", FT, 170_000, 200_000),
        ("経理事務", CT, 180_000, 220_000),
    ],
    "farm": [
        ("農作業員", CT, 150_000, 190_000),
        ("選果場スタッフ", PT, 80_000, 110_000),
    ],
    "building": [
        ("清掃スタッフ", PT, 80_000, 110_000),
        ("設備管理", FT, 200_000, 260_000),
    ],
    "garage": [
        ("自動車整備士", FT, 210_000, 290_000),
        ("受付事務", PT, 90_000, 120_000),
    ],
    "port": [
        ("港湾荷役作業員", FT, 230_000, 300_000),
        ("通関事務", FT, 200_000, 250_000),
    ],
    "fishery": [
        ("水産加工スタッフ", PT, 90_000, 120_000),
        ("漁船乗組員", CT, 220_000, 300_000),
    ],
}


@dataclass(frozen=True)
class DemoEstablishment:
    office: str
    name: str
    kana: str
    slug: str  # for the demo e-mail domain
    business: str
    has_mypage: bool
    address: str = ""
    extra_members: int = 0


# Two of Koriyama's establishments have names that differ by one word read alike
# (あさひ物流 / 朝日物流): the kind of pair that DESIGN.md section 1 warns about.
ESTABLISHMENTS = [
    DemoEstablishment("0704", "株式会社あさひ物流", "アサヒブツリュウ", "asahi-butsuryu", "logistics", True, "郡山市富田町", 1),
    DemoEstablishment("0704", "株式会社朝日物流", "アサヒブツリュウ", "asahi-logi", "logistics", True, "郡山市安積町"),
    DemoEstablishment("0704", "郡山精密工業株式会社", "コオリヤマセイミツコウギョウ", "koriyama-seimitsu", "factory", True, "郡山市西田町"),
    DemoEstablishment("0704", "有限会社安積フーズ", "アサカフーズ", "asaka-foods", "food", False, "郡山市安積町"),
    DemoEstablishment("0704", "医療法人社団さくら会", "サクラカイ", "sakurakai", "medical", True, "郡山市堂前町", 2),
    DemoEstablishment("0704", "株式会社磐梯建設", "バンダイケンセツ", "bandai-kensetsu", "construction", True, "郡山市桑野"),
    DemoEstablishment("0704", "社会福祉法人あさか福祉会", "アサカフクシカイ", "asaka-fukushi", "welfare", False, "郡山市大槻町"),
    DemoEstablishment("0704", "株式会社開成システム", "カイセイシステム", "kaisei-system", "it", True, "郡山市開成"),
    DemoEstablishment("0704", "郡山中央運輸株式会社", "コオリヤマチュウオウウンユ", "koriyama-unyu", "logistics", False, "郡山市喜久田町"),
    DemoEstablishment("0704", "株式会社みどり薬局", "ミドリヤッキョク", "midori-yakkyoku", "shop", False, "郡山市駅前"),
    DemoEstablishment("0701", "株式会社信夫山商事", "シノブヤマショウジ", "shinobuyama", "office", True, "福島市御山町"),
    DemoEstablishment("0701", "福島ももの里農園株式会社", "フクシマモモノサトノウエン", "momonosato", "farm", False, "福島市飯野町"),
    DemoEstablishment("0701", "株式会社吾妻電子", "アヅマデンシ", "azuma-denshi", "factory", True, "福島市笹谷"),
    DemoEstablishment("0701", "社会福祉法人ふくしま共生会", "フクシマキョウセイカイ", "kyoseikai", "welfare", True, "福島市方木田"),
    DemoEstablishment("0701", "株式会社飯坂温泉ホテル", "イイザカオンセンホテル", "iizaka-hotel", "hotel", True, "福島市飯坂町"),
    DemoEstablishment("0701", "有限会社阿武隈製菓", "アブクマセイカ", "abukuma-seika", "food", False, "福島市松川町"),
    DemoEstablishment("0701", "株式会社県北ビルサービス", "ケンポクビルサービス", "kenpoku-bs", "building", False, "福島市太平寺"),
    DemoEstablishment("0701", "医療法人松川クリニック", "マツカワクリニック", "matsukawa-cl", "medical", True, "福島市松川町"),
    DemoEstablishment("0701", "株式会社ふくしまデータセンター", "フクシマデータセンター", "fukushima-dc", "it", False, "福島市本町"),
    DemoEstablishment("0701", "株式会社荒川自動車整備", "アラカワジドウシャセイビ", "arakawa-auto", "garage", False, "福島市佐倉下"),
    DemoEstablishment("0702", "小名浜港湾運輸株式会社", "オナハマコウワンウンユ", "onahama-port", "port", True, "いわき市小名浜"),
    DemoEstablishment("0702", "株式会社いわき化成", "イワキカセイ", "iwaki-kasei", "factory", True, "いわき市泉町"),
    DemoEstablishment("0702", "株式会社常磐フーズ", "ジョウバンフーズ", "joban-foods", "food", False, "いわき市常磐湯本町"),
    DemoEstablishment("0702", "社会福祉法人いわき陽光会", "イワキヨウコウカイ", "yokokai", "welfare", True, "いわき市平"),
    DemoEstablishment("0702", "株式会社勿来建設", "ナコソケンセツ", "nakoso-kensetsu", "construction", False, "いわき市勿来町"),
    DemoEstablishment("0702", "株式会社平ソフトウェア", "タイラソフトウェア", "taira-soft", "it", True, "いわき市平"),
    DemoEstablishment("0702", "医療法人湯本記念病院", "ユモトキネンビョウイン", "yumoto-hp", "medical", True, "いわき市常磐湯本町", 1),
    DemoEstablishment("0702", "有限会社四倉水産", "ヨツクラスイサン", "yotsukura-suisan", "fishery", False, "いわき市四倉町"),
    DemoEstablishment("0702", "株式会社いわきスパリゾート", "イワキスパリゾート", "iwaki-spa", "hotel", False, "いわき市常磐藤原町"),
    DemoEstablishment("0702", "株式会社植田精機", "ウエダセイキ", "ueda-seiki", "factory", False, "いわき市植田町"),
]  # fmt: skip

# 交通手段・最寄り駅 printed on the letter, by office (demo values).
ACCESS = {
    "0701": [
        "JR福島駅から徒歩15分",
        "福島交通バス「県庁前」下車 徒歩5分",
        "飯坂線 曽根田駅から徒歩8分",
    ],
    "0702": [
        "JRいわき駅から徒歩10分",
        "新常磐交通バス「小名浜」下車 徒歩3分",
        "JR湯本駅から徒歩12分",
    ],
    "0704": [
        "JR郡山駅から徒歩12分",
        "福島交通バス「富田町」下車 徒歩5分",
        "JR安積永盛駅から車で8分",
    ],
}

STAFF_ROLES = [
    ("clerk1", StaffRole.CLERK),
    ("clerk2", StaffRole.CLERK),
    ("clerk3", StaffRole.CLERK),
    ("sup1", StaffRole.SUPERVISOR),
    ("sup2", StaffRole.SUPERVISOR),
    ("mgr", StaffRole.MANAGER),
]


@dataclass
class DemoLogins:
    staff: list[tuple[str, str, str]] = field(default_factory=list)  # (login, name, what)
    employers: list[tuple[str, str, str]] = field(default_factory=list)
    admin: str = "admin"
    password: str = DEMO_PASSWORD


class NameSource:
    """Distinct real-looking Japanese names with their kana, from a seeded Faker."""

    def __init__(self, seed: int) -> None:
        self.faker = Faker("ja_JP")
        self.faker.seed_instance(seed)
        self.used: set[str] = set()

    def next(self, female: bool) -> tuple[str, str]:
        while True:
            last, last_kana, _ = self.faker.last_name_pair()
            pair = (
                self.faker.first_name_female_pair() if female else self.faker.first_name_male_pair()
            )
            first, first_kana, _ = pair
            name = f"{last} {first}"
            if name not in self.used:
                self.used.add(name)
                return name, f"{last_kana} {first_kana}"


def _authenticator(user: User, rng: random.Random) -> None:
    """A registered authenticator app, so demo staff skip enrollment; in development the
    verification page shows its current code."""
    TOTPDevice.objects.get_or_create(
        user=user,
        name="authenticator",
        defaults={"key": rng.randbytes(20).hex(), "confirmed": True},
    )


def _upsert_user(username: str, *, name: str, email: str, kind: str, password: str) -> User:
    user, _ = User.objects.update_or_create(
        username=username,
        defaults={"name": name, "email": email, "kind": kind, "is_active": True},
        create_defaults={
            "name": name,
            "email": email,
            "kind": kind,
            "is_active": True,
            "password": password,
        },
    )
    return user


def _month_end(day: datetime.date, months: int) -> datetime.date:
    """The last day of the month `months` months after `day`'s month (negative: before)."""
    index = day.year * 12 + day.month + months  # the month after, counted from 0
    return datetime.date(index // 12, index % 12 + 1, 1) - datetime.timedelta(days=1)


@transaction.atomic
def build_demo() -> DemoLogins:
    rng = random.Random(20250404)
    names = NameSource(seed=20250404)
    password = make_password(DEMO_PASSWORD)  # hashed once: the slow part of a login
    logins = DemoLogins()

    admin, _ = User.objects.update_or_create(
        username="admin",
        defaults={
            "name": "システム管理者",
            "kind": UserKind.STAFF,
            "is_staff": True,
            "is_superuser": True,
        },
        create_defaults={
            "name": "システム管理者",
            "kind": UserKind.STAFF,
            "is_staff": True,
            "is_superuser": True,
            "password": password,
        },
    )

    _authenticator(admin, rng)

    offices: dict[str, Office] = {}
    for code, office_name, prefix, _seekers in OFFICES:
        address, phone, fax = OFFICE_CONTACTS[code]
        office, _ = Office.objects.update_or_create(
            code=code,
            defaults={
                "name": office_name,
                "bureau": BUREAU,
                "address": address,
                "phone": phone,
                "fax": fax,
            },
        )
        offices[code] = office
        for suffix, role in STAFF_ROLES:
            name, _kana = names.next(female=rng.random() < 0.5)
            login = f"{prefix}-{suffix}"
            # An office address, so that escalations (escalate_overdue) reach the managers.
            user = _upsert_user(
                login,
                name=name,
                email=f"{login}@hellowork.example",
                kind=UserKind.STAFF,
                password=password,
            )
            StaffMember.objects.update_or_create(
                user=user, defaults={"office": office, "role": role}
            )
            _authenticator(user, rng)
            logins.staff.append((login, name, f"{office_name} {StaffRole(role).label}"))

    used_numbers: set[str] = set()

    def serial(prefix: str, digits: int, suffix: str = "") -> str:
        while True:
            number = f"{prefix}{rng.randrange(10**digits):0{digits}d}{suffix}"
            if number not in used_numbers:
                used_numbers.add(number)
                return number

    posting_plan = [3, 3, 2]  # open postings per establishment, in turn: about 80 in all
    # 求人の有効期限: an open posting is valid to the end of the month after next (翌々月末)
    # from today; a closed one ended at the end of the month five months ago, so its
    # my-page result window (翌々々月末 after that) has closed too.
    today = timezone.localdate()
    open_until = _month_end(today, 2)
    closed_until = _month_end(today, -5)
    for index, demo in enumerate(ESTABLISHMENTS):
        office = offices[demo.office]
        number = serial(f"{demo.office}-", 6, f"-{rng.randrange(10)}")
        establishment, _ = Establishment.objects.update_or_create(
            number=number,
            defaults={
                "name": demo.name,
                "kana": demo.kana,
                "office": office,
                "address": f"福島県{demo.address}{index % 5 + 1}-{index % 9 + 2}",
                "access": ACCESS[demo.office][index % len(ACCESS[demo.office])],
                "has_mypage": demo.has_mypage,
            },
        )
        titles = TITLES[demo.business]
        open_count = posting_plan[index % len(posting_plan)]
        for slot in range(open_count + (1 if index % 3 == 0 else 0)):
            title, employment_type, wage_min, wage_max = titles[slot % len(titles)]
            status = PostingStatus.OPEN if slot < open_count else PostingStatus.CLOSED
            JobPosting.objects.update_or_create(
                number=serial(f"{demo.office}0-", 8),
                defaults={
                    "establishment": establishment,
                    "title": title if slot < len(titles) else f"{title}（増員）",
                    "status": status,
                    "employment_type": employment_type,
                    "wage_min": wage_min,
                    "wage_max": wage_max,
                    "work_location": establishment.address,
                    "description": f"{demo.name}での{title}の仕事です。",
                    "valid_until": open_until if status == PostingStatus.OPEN else closed_until,
                },
            )
        if demo.has_mypage:
            for member_index in range(1 + demo.extra_members):
                name, _kana = names.next(female=rng.random() < 0.5)
                email = (
                    f"saiyo@{demo.slug}.example.jp"
                    if member_index == 0
                    else f"staff{member_index}@{demo.slug}.example.jp"
                )
                user = _upsert_user(
                    email, name=name, email=email, kind=UserKind.EMPLOYER, password=password
                )
                EmployerMember.objects.update_or_create(
                    user=user,
                    defaults={"establishment": establishment, "is_primary": member_index == 0},
                )
                logins.employers.append((email, name, demo.name))

    start, span = (
        datetime.date(1962, 4, 1),
        (datetime.date(2007, 3, 31) - datetime.date(1962, 4, 1)).days,
    )
    for code, _name, _prefix, seeker_count in OFFICES:
        for _ in range(seeker_count):
            name, kana = names.next(female=rng.random() < 0.5)
            birth_date = start + datetime.timedelta(days=rng.randrange(span))
            phone = f"090-{rng.randrange(10_000):04d}-{rng.randrange(10_000):04d}"
            number = serial(f"{code}0-", 8)
            # Most seekers registered an address too; the supervisor sees both when calling
            # back (DESIGN.md rule 4). example.jp: nothing is ever delivered.
            email = f"seeker{number[-4:]}@mail.example.jp" if rng.random() < 0.7 else ""
            JobSeeker.objects.update_or_create(
                number=number,
                defaults={
                    "name": name,
                    "kana": kana,
                    "birth_date": birth_date,
                    "office": offices[code],
                    "phone": phone,
                    "email": email,
                },
            )
    return logins
