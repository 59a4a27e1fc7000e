import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A selection result belongs to the referral, by any route: step 1 of 3, the new
    columns, all nullable (the rows are filled in 0019, the old ones dropped in 0020)."""

    dependencies = [
        ("hellowork", "0010_jobposting_valid_until"),
        ("referrals", "0017_drafted_establishment_required"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="selectionresult", name="selectionresult_one_first_per_disclosure"
        ),
        migrations.AlterField(
            model_name="selectionresult",
            name="disclosure",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="results",
                to="referrals.disclosure",
                verbose_name="応募者",
            ),
        ),
        migrations.RenameField(
            model_name="selectionresult", old_name="recorded_by", new_name="recorded_by_member"
        ),
        migrations.AlterField(
            model_name="selectionresult",
            name="recorded_by_member",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="hellowork.employermember",
                verbose_name="記録した人（求人者）",
            ),
        ),
        migrations.AddField(
            model_name="selectionresult",
            name="recorded_by_staff",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="hellowork.staffmember",
                verbose_name="記録した職員",
            ),
        ),
        migrations.AddField(
            model_name="selectionresult",
            name="referral",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="results",
                to="referrals.referralletter",
                verbose_name="紹介状",
            ),
        ),
        migrations.AddField(
            model_name="selectionresult",
            name="route",
            field=models.CharField(
                choices=[
                    ("mypage", "求人者マイページ"),
                    ("paper", "書面（紹介状の裏面の郵送・持参）"),
                    ("fax", "FAX"),
                    ("phone", "電話"),
                    ("seeker", "求職者本人の申し出（辞退）"),
                ],
                default="mypage",
                max_length=16,
                verbose_name="受付の方法",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="selectionresult",
            name="given_by",
            field=models.CharField(
                blank=True, default="", max_length=100, verbose_name="連絡した人（事業所）"
            ),
            preserve_default=False,
        ),
    ]
