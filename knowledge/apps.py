from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from escalations import hooks  # models are loaded only now
        from knowledge import deflection, indexing, knowhow
        from notifications import events

        events.listen(indexing.index_resolved_case)
        hooks.escalate_page.connect(deflection.escalate_page_suggestions)
        hooks.answer_returned.connect(knowhow.draft_reusable_answer)
        hooks.closing.connect(knowhow.refuse_close_without_article)
