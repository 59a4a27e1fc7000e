from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hellowork", "0008_registry_retired_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="valid_until",
            field=models.DateField(blank=True, null=True, verbose_name="求人の有効期限"),
        ),
    ]
