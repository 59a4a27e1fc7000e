import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Step 3 of 3: every result has its referral; the disclosure link goes, and the
    database holds the route, the recorder and the giver together."""

    dependencies = [
        ('hellowork', '0010_jobposting_valid_until'),
        ('referrals', '0019_results_by_every_route_data'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='selectionresult',
            name='disclosure',
        ),
        migrations.AlterField(
            model_name='selectionresult',
            name='referral',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='results', to='referrals.referralletter', verbose_name='紹介状'),
        ),
        migrations.AddConstraint(
            model_name='selectionresult',
            constraint=models.CheckConstraint(condition=models.Q(('route__in', ['mypage', 'paper', 'fax', 'phone', 'seeker'])), name='selectionresult_route_valid'),
        ),
        migrations.AddConstraint(
            model_name='selectionresult',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('recorded_by_member__isnull', False), ('recorded_by_staff__isnull', True), ('route', 'mypage')), models.Q(models.Q(('route', 'mypage'), _negated=True), ('recorded_by_member__isnull', True), ('recorded_by_staff__isnull', False)), _connector='OR'), name='selectionresult_route_and_recorder'),
        ),
        migrations.AddConstraint(
            model_name='selectionresult',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('route__in', ('paper', 'fax', 'phone')), models.Q(('given_by', ''), _negated=True)), models.Q(models.Q(('route__in', ('paper', 'fax', 'phone')), _negated=True), ('given_by', '')), _connector='OR'), name='selectionresult_giver_of_route'),
        ),
        migrations.AddConstraint(
            model_name='selectionresult',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('route', 'seeker'), _negated=True), models.Q(('not_hired_reason', 'applicant_withdrew'), ('result', 'not_hired')), _connector='OR'), name='selectionresult_seeker_only_withdraws'),
        ),
        migrations.AddConstraint(
            model_name='selectionresult',
            constraint=models.UniqueConstraint(condition=models.Q(('corrects__isnull', True)), fields=('referral',), name='selectionresult_one_first_per_referral'),
        ),
    ]
