from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit")

    def ready(self) -> None:
        from celery.signals import task_postrun, task_prerun
        from django.db.models.signals import post_migrate
        from simple_history.signals import pre_create_historical_record

        from audit import context, history_pages, triggers

        pre_create_historical_record.connect(context.fill_history_row, weak=False)
        history_pages.install()
        task_prerun.connect(context.task_started, weak=False)
        task_postrun.connect(context.task_finished, weak=False)
        # Once per ``migrate``, after every app's migrations: tables added later get it too.
        post_migrate.connect(triggers.install_after_migrate, sender=self, weak=False)
        # Logging in changes only ``last_login``, which the user's history leaves out: no row.
        from django.contrib.auth.models import update_last_login
        from django.contrib.auth.signals import user_logged_in

        if user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login"):
            user_logged_in.connect(context.update_last_login_quietly, weak=False)
