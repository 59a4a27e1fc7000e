"""Who the bench acts as: logged-in sessions made directly in the database, and the
members, clerks and seeker-posting pairs the measured pages and issues are made with.

Logging in through the pages would measure Argon2 and the second factor, not the pages;
each virtual user is logged in once, here, as django.contrib.auth and django-otp would
have left its session: user id, backend, the password's session hash and the verified
device's persistent id (`otp_device_id`).
"""

import datetime
import random
import secrets
import time
from dataclasses import dataclass, field

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db.models import Count, Q
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from bench.generate import FEATURED_SERIAL
from hellowork import otp
from hellowork.middleware import IdleTimeoutMiddleware
from hellowork.models import EmployerMember, JobPosting, JobSeeker, StaffMember, User
from referrals import display_credentials
from referrals.models import Consultation, CounterDisplay, Disclosure, ReferralLetter
from referrals.selectors import visible_now

BACKEND = "django.contrib.auth.backends.ModelBackend"


def session_for(user: User) -> str:
    """A session of `user`, past the second factor; returns its key (the cookie value)."""
    if user.kind == User.Kind.EMPLOYER:
        device = otp.email_device(user)
    else:
        device = TOTPDevice.objects.get_or_create(
            user=user, name="authenticator", defaults={"confirmed": True}
        )[0]
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = BACKEND
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    if user.kind == User.Kind.STAFF:
        store[IdleTimeoutMiddleware.KEY] = int(time.time())
    store.create()
    assert store.session_key is not None
    return store.session_key


@dataclass
class Employer:
    member_id: int
    session: str
    applicants: list[str]  # public ids of visible applicants


@dataclass
class Clerk:
    staff_id: int
    session: str
    csrf: str  # the CSRF cookie's secret, also sent as the form token
    consultations: list[int]
    display_id: int  # the desk's seeker-facing display (rule 3)
    display_cookie: str  # its browser's device credential
    issues: list["Pair"] = field(default_factory=list)


def paired_display(staff: StaffMember) -> tuple[int, str]:
    """The office's display, paired for the load's "tablet": (id, credential cookie). A new
    secret replaces the generator's placeholder, as a pairing would."""
    display = CounterDisplay.objects.filter(
        office_id=staff.office_id, paired_at__isnull=False, retired_at__isnull=True
    ).first()
    if display is None:
        display = CounterDisplay.objects.create(
            office_id=staff.office_id,
            label="bench",
            created_at=timezone.now(),
            created_by=staff,
            paired_at=timezone.now(),
            device_paired_at=timezone.now(),
            device_secret_digest="0" * 64,
        )
    secret = secrets.token_urlsafe(32)
    display.device_secret_digest = display_credentials.digest(secret, purpose="device")
    display.save(update_fields=["device_secret_digest"])
    return display.pk, display_credentials.sign(display_id=display.pk, secret=secret)


@dataclass(frozen=True)
class Pair:
    """A seeker and an open posting that have no letter yet: one issue to make."""

    seeker_id: int
    birth_date: datetime.date
    posting_id: int
    posting_number: str

    @property
    def digits(self) -> str:
        return self.posting_number.replace("-", "")[-4:]


def featured_members() -> list[EmployerMember]:
    """One member of each very large establishment: the pages the flatness is timed on."""
    members = []
    for member in (
        EmployerMember.objects.filter(
            establishment__number__regex=rf"^[0-9]{{4}}-{FEATURED_SERIAL}",
            is_primary=True,
            user__is_active=True,
        )
        .select_related("user", "establishment")
        .order_by("establishment_id")
    ):
        members.append(member)
    return members


def employers(count: int, *, rng: random.Random, per_member: int = 20) -> list[Employer]:
    """Sessions of `count` members: the very large establishments' and others that have
    at least three visible applicants, each with the public ids of its newest applicants."""
    members = featured_members()
    busy = (
        Disclosure.objects.filter(visible_now())
        .values("establishment")
        .annotate(n=Count("id"))
        .filter(n__gte=3)
        .order_by("?")
        .values_list("establishment", flat=True)[: max(0, count - len(members))]
    )
    members += list(
        EmployerMember.objects.filter(establishment__in=list(busy), is_primary=True)
        .select_related("user", "establishment")
        .order_by("id")
    )
    result = []
    for member in members[:count]:
        ids = list(
            Disclosure.objects.filter(visible_now(), establishment_id=member.establishment_id)
            .order_by("-visible_at")
            .values_list("public_id", flat=True)[:per_member]
        )
        result.append(Employer(member.pk, session_for(member.user), [str(i) for i in ids]))
    rng.shuffle(result)
    return result


def clerks(count: int, *, per_clerk: int = 20) -> list[Clerk]:
    """Sessions of `count` clerks of different offices, each with consultations of its
    office that hold letters (what the consultation page shows)."""
    result = []
    staff = (
        StaffMember.objects.filter(role=StaffMember.Role.CLERK, user__is_active=True)
        .select_related("user")
        .order_by("office_id", "id")
        .distinct("office_id")[:count]
    )
    for clerk in staff:
        consultations = list(
            Consultation.objects.filter(office_id=clerk.office_id, referrals__isnull=False)
            .order_by("-opened_at")
            .values_list("id", flat=True)
            .distinct()[:per_clerk]
        )
        display_id, display_cookie = paired_display(clerk)
        result.append(
            Clerk(
                clerk.pk,
                session_for(clerk.user),
                secrets.token_hex(16),
                consultations,
                display_id,
                display_cookie,
            )
        )
    return result


def fresh_pairs(count: int, *, rng: random.Random) -> list[Pair]:
    """Seeker-posting pairs without a letter, for open postings of ordinary establishments
    with a my page (the very large ones keep their applicants for the flatness)."""
    seekers = list(JobSeeker.objects.values_list("id", "birth_date"))
    postings = list(
        JobPosting.objects.filter(status="open", establishment__has_mypage=True)
        .exclude(establishment__number__regex=rf"^[0-9]{{4}}-{FEATURED_SERIAL}")
        .values_list("id", "number")
    )
    chosen: dict[tuple[int, int], Pair] = {}
    while len(chosen) < count:
        batch = {}
        for _ in range(2 * (count - len(chosen))):
            seeker_id, born = rng.choice(seekers)
            posting_id, number = rng.choice(postings)
            batch[(seeker_id, posting_id)] = Pair(seeker_id, born, posting_id, number)
        taken = set(
            ReferralLetter.objects.filter(
                Q(consultation__seeker_id__in={s for s, _ in batch}),
                posting_id__in={p for _, p in batch},
            ).values_list("consultation__seeker_id", "posting_id")
        )
        for key, pair in batch.items():
            if key not in taken and key not in chosen and len(chosen) < count:
                chosen[key] = pair
    return list(chosen.values())
