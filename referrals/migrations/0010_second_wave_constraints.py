from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("referrals", "0009_second_wave_data")]

    operations = [
        migrations.AlterField(
            model_name="consultation",
            name="last_activity_at",
            field=models.DateTimeField(verbose_name="最後の操作"),
        ),
        migrations.AlterField(
            model_name="alert",
            name="severity",
            field=models.CharField(
                choices=[("critical", "重大"), ("warning", "注意"), ("info", "情報")],
                max_length=16,
                verbose_name="重大度",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(("display__isnull", True), ("in_person", True), _connector="OR"),
                name="consultation_display_only_in_person",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("in_person", False),
                    ("display__isnull", False),
                    ("closed_at__isnull", False),
                    _connector="OR",
                ),
                name="consultation_open_in_person_has_display",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("closed_at__isnull", True), ("closed_reason", "")),
                    models.Q(
                        ("closed_at__isnull", False),
                        (
                            "closed_reason__in",
                            ["staff", "idle", "end_of_day", "merged", "before_displays"],
                        ),
                    ),
                    _connector="OR",
                ),
                name="consultation_closed_has_reason",
            ),
        ),
        migrations.AddConstraint(
            model_name="consultation",
            constraint=models.CheckConstraint(
                condition=models.Q(("last_activity_at__gte", models.F("opened_at"))),
                name="consultation_activity_after_opened",
            ),
        ),
        migrations.AddConstraint(
            model_name="confirmation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "method__in",
                        ["in_person", "approval", "in_person_clerk", "approval_unsourced"],
                    )
                ),
                name="confirmation_method_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="confirmation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("confirmer_seeker__isnull", False),
                        ("confirmer_staff__isnull", True),
                        ("display_answer__isnull", False),
                        ("entered_posting_digits__regex", "^[0-9]{4}$"),
                        ("method", "in_person"),
                        ("source", ""),
                    ),
                    models.Q(
                        ("confirmer_seeker__isnull", True),
                        ("confirmer_staff__isnull", False),
                        ("display_answer__isnull", True),
                        ("method", "approval"),
                        models.Q(("stated_posting_number", ""), _negated=True),
                        ("source__in", ["callback", "seeker_present", "written"]),
                    ),
                    models.Q(
                        ("confirmer_seeker__isnull", False),
                        ("confirmer_staff__isnull", True),
                        ("display_answer__isnull", True),
                        ("entered_posting_digits__regex", "^[0-9]{4}$"),
                        ("method", "in_person_clerk"),
                        ("source", ""),
                    ),
                    models.Q(
                        ("confirmer_seeker__isnull", True),
                        ("confirmer_staff__isnull", False),
                        ("display_answer__isnull", True),
                        ("method", "approval_unsourced"),
                        ("source", ""),
                        models.Q(("stated_posting_number", ""), _negated=True),
                    ),
                    _connector="OR",
                ),
                name="confirmation_method_has_its_evidence",
            ),
        ),
    ]
