from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with our site (hellowork.admin_site): second factor, staff login."""

    default_site = "hellowork.admin_site.AdminSite"

    def ready(self) -> None:
        super().ready()  # every app's admin module is imported here
        # Third-party admins that would write outside the audit trail, for nothing this
        # project needs: permissions are the super-user's flag (groups are not used), an
        # authenticator is registered by its owner at first login (its enrolment is a
        # traced service), an employer's e-mail device is made at its first login.
        from django.contrib.auth.models import Group
        from django_otp.plugins.otp_email.models import EmailDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for model in (Group, TOTPDevice, EmailDevice):
            if admin.site.is_registered(model):
                admin.site.unregister(model)
