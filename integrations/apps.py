from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        from integrations import webhooks  # models are loaded only now
        from notifications import delivery, events

        events.listen(webhooks.queue_webhooks)
        delivery.find_webhook_secrets_with(webhooks.subscription_signing)
