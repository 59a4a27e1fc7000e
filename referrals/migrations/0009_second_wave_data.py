"""The first wave's rows under the second wave's rules (DESIGN.md rules 3, 3b, 4 and 12).

- Confirmations keep what they really were: in person, the clerk typed both halves
  (`in_person_clerk`); by approval, where the supervisor heard the seeker was not recorded
  (`approval_unsourced`). Only the services' new methods count as the new confirmations.
- Consultations: the last action is taken to be the opening; a closed one says why; an
  in-person one still open has no seeker-facing display, so it closes now and its drafts
  go on only through approval (rule 4).
- Alerts get the severity of their kind (rule 12).
"""

from django.db import migrations
from django.db.models import F
from django.utils import timezone

SEVERITY = {
    "code_mismatch": "critical",
    "misdelivery_report": "critical",
    "referral_locked": "critical",
    "retract_reorder": "warning",
    "caught_mismatch": "info",
}


def forwards(apps, schema_editor):
    Confirmation = apps.get_model("referrals", "Confirmation")
    Consultation = apps.get_model("referrals", "Consultation")
    Alert = apps.get_model("referrals", "Alert")

    Confirmation.objects.filter(method="in_person").update(method="in_person_clerk")
    Confirmation.objects.filter(method="approval").update(method="approval_unsourced")

    Consultation.objects.update(last_activity_at=F("opened_at"))
    Consultation.objects.filter(closed_at__isnull=False, merged_into__isnull=False).update(
        closed_reason="merged"
    )
    Consultation.objects.filter(closed_at__isnull=False, closed_reason="").update(
        closed_reason="staff"
    )
    now = timezone.now()
    for consultation in Consultation.objects.filter(in_person=True, closed_at__isnull=True):
        consultation.closed_at = max(now, consultation.opened_at)
        consultation.closed_reason = "before_displays"
        consultation.save(update_fields=["closed_at", "closed_reason"])

    for kind, severity in SEVERITY.items():
        Alert.objects.filter(kind=kind).update(severity=severity)


def backwards(apps, schema_editor):
    Confirmation = apps.get_model("referrals", "Confirmation")
    Confirmation.objects.filter(method="in_person_clerk").update(method="in_person")
    Confirmation.objects.filter(method="approval_unsourced").update(method="approval")


class Migration(migrations.Migration):
    dependencies = [("referrals", "0008_counter_displays")]

    operations = [migrations.RunPython(forwards, backwards)]
