import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Its own migration: PostgreSQL refuses to alter a table in the transaction that just
    updated its rows (pending trigger events of the deferred foreign keys)."""

    dependencies = [
        ('referrals', '0016_registry_changes_and_protection'),
    ]

    operations = [
        migrations.AlterField(
            model_name='referralletter',
            name='drafted_establishment',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='hellowork.establishment', verbose_name='作成時の事業所'),
        ),
    ]
