from django.apps import AppConfig


class SettingsAppConfig(AppConfig):
    name = "settings_app"
    verbose_name = "Company settings"

    def ready(self) -> None:
        from settings_app import signals  # noqa: F401  (connects the receivers)
