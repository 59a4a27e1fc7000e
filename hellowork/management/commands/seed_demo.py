from django.conf import settings
from django.core.management.base import BaseCommand

from hellowork.demo import build_demo
from hellowork.models import Establishment, JobPosting, JobSeeker, Office, StaffMember
from hellowork.signals import demo_built


class Command(BaseCommand):
    help = "Builds the demo world (idempotent, reproducible) and prints the demo logins."

    def handle(self, *args: object, **options: object) -> None:
        logins = build_demo()
        # Apps above hellowork add their own demo (the counter's displays and history) and
        # may return lines to print, such as the displays' pairing codes.
        extra_lines: list[str] = []
        for _receiver, lines in demo_built.send(sender=self.__class__):
            if isinstance(lines, list):
                extra_lines.extend(str(line) for line in lines)
        counts = {
            "offices": Office.objects.count(),
            "staff": StaffMember.objects.count(),
            "establishments": Establishment.objects.count(),
            "open postings": JobPosting.objects.filter(status="open").count(),
            "seekers": JobSeeker.objects.count(),
        }
        summary = ", ".join(f"{count} {what}" for what, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {summary}."))
        if options.get("verbosity", 1) == 0:
            return
        self.stdout.write(f"\nDemo password for every login: {logins.password}")
        self.stdout.write(
            "The second factor: in development the verification page shows the expected code.\n"
        )
        site = settings.SITE_URL
        self.stdout.write(f"Counter (staff) logins at {site}/counter/login/")
        for login, name, what in logins.staff:
            self.stdout.write(f"  {login:<14} {name}  {what}")
        self.stdout.write(
            f"\nEmployer my page logins at {site}/mypage/login/ "
            "(saiyo@asahi-butsuryu.example.jp has a demo applicant once the hold has passed)"
        )
        for login, name, what in logins.employers:
            self.stdout.write(f"  {login:<36} {name}  {what}")
        self.stdout.write(f"\nSystem administrator at {site}/admin/: {logins.admin}")
        for line in extra_lines:
            self.stdout.write(line)
