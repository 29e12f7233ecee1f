from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Running the product: start-up checks, health, the sweep heartbeat, the clock banner,
    metrics, request ids in logs and tasks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "ops"
    verbose_name = _("Operations")

    def ready(self) -> None:
        from escalations import hooks  # models are loaded only now
        from ops import checks, heartbeat, metrics, request_id

        hooks.sweep_finished.connect(heartbeat.sweep_heartbeat_record)
        checks.register()
        metrics.register()
        request_id.connect_celery_signals()
