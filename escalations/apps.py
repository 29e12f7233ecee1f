from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "escalations"
    verbose_name = _("Cases and escalations")

    def ready(self) -> None:
        # The one visibility rule, for the apps below this one (the outbox, webhook deliveries).
        from escalations import live
        from escalations.selectors import cases_visible_to
        from kit import visibility
        from notifications import events

        visibility.visible_cases.connect(cases_visible_to)
        # new work bumps the live case lists' versions when it commits
        events.listen(live.on_case_event)
