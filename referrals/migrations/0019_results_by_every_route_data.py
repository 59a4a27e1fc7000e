from django.db import migrations


def to_the_referral(apps, schema_editor):
    """Every result so far came from the my page: it belongs to its disclosure's referral."""
    SelectionResult = apps.get_model("referrals", "SelectionResult")
    for result in SelectionResult.objects.select_related("disclosure").only(
        "pk", "disclosure__referral_id"
    ):
        SelectionResult.objects.filter(pk=result.pk).update(
            referral_id=result.disclosure.referral_id, route="mypage"
        )


def to_the_disclosure(apps, schema_editor):
    """Backwards: only my-page results have a disclosure to go back to."""
    SelectionResult = apps.get_model("referrals", "SelectionResult")
    Disclosure = apps.get_model("referrals", "Disclosure")
    if SelectionResult.objects.exclude(route="mypage").exists():
        raise RuntimeError("results recorded by the counter cannot go back to a disclosure")
    for result in SelectionResult.objects.only("pk", "referral_id"):
        SelectionResult.objects.filter(pk=result.pk).update(
            disclosure_id=Disclosure.objects.get(referral_id=result.referral_id).pk
        )


class Migration(migrations.Migration):
    """Step 2 of 3: fills the referral of the existing (my page) results. Its own
    migration: PostgreSQL refuses to alter a table in the transaction that updated it."""

    dependencies = [
        ("referrals", "0018_results_by_every_route"),
    ]

    operations = [migrations.RunPython(to_the_referral, to_the_disclosure)]
