from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        # Imported here: the admin site's module loads models, which are not ready
        # while app configs are being imported.
        from django.contrib import admin

        # The admin index shows the figures above the app list (templates/dashboard/).
        admin.site.index_template = "dashboard/index.html"
