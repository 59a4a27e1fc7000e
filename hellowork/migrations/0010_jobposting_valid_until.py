from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hellowork", "0009_registry_import_permission"),
    ]

    operations = [
        migrations.AddField(
            model_name="jobposting",
            name="valid_until",
            field=models.DateField(blank=True, null=True, verbose_name="求人の有効期限"),
        ),
    ]
