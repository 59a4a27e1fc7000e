from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    """Django's admin with our site (hellowork.admin_site): second factor, staff login."""

    default_site = "hellowork.admin_site.AdminSite"
