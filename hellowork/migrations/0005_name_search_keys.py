"""The counter's name search keys (hellowork.name_keys), computed for the rows already there.
If the key functions change, a later migration must compute them again."""

from django.db import migrations, models

from hellowork.name_keys import kana_key, name_key


def compute_keys(apps, schema_editor):
    for model_name in ("Establishment", "JobSeeker"):
        model = apps.get_model("hellowork", model_name)
        batch = []
        for row in model.objects.only("pk", "name", "kana").iterator(chunk_size=2000):
            row.name_key = name_key(row.name)
            row.kana_key = kana_key(row.kana)
            batch.append(row)
            if len(batch) == 2000:
                model.objects.bulk_update(batch, ["name_key", "kana_key"])
                batch = []
        model.objects.bulk_update(batch, ["name_key", "kana_key"])


class Migration(migrations.Migration):

    dependencies = [
        ('hellowork', '0004_jobseeker_email'),
    ]

    operations = [
        migrations.AddField(
            model_name='establishment',
            name='kana_key',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='establishment',
            name='name_key',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='jobseeker',
            name='kana_key',
            field=models.TextField(default='', editable=False),
        ),
        migrations.AddField(
            model_name='jobseeker',
            name='name_key',
            field=models.TextField(default='', editable=False),
        ),
        migrations.RunPython(compute_keys, migrations.RunPython.noop, elidable=True),
    ]
