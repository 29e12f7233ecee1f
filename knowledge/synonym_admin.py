"""The synonym dictionary in the admin (registered from ``knowledge/admin.py``): supervisors and
managers keep the groups; every change goes through ``knowledge.synonyms`` (history with the
user and a reason). Also how the admin words an expansion of a query."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from simple_history.admin import SimpleHistoryAdmin

from knowledge.models import SynonymGroup
from knowledge.synonyms import Expansion, synonym_group_delete, synonym_group_save


def quoted(word: str) -> str:
    return _("“%(word)s”") % {"word": word}


def describe(found: list[Expansion]) -> list[str]:
    """「退会」も「解約」「キャンセル」として検索しました: one sentence per expansion."""
    return [
        _("“%(term)s” was also searched as %(alternatives)s.")
        % {
            "term": expansion.written,
            "alternatives": pgettext("list separator", ", ").join(
                quoted(a) for a in expansion.alternatives
            ),
        }
        for expansion in found
        if expansion.alternatives
    ]


@admin.register(SynonymGroup)
class SynonymGroupAdmin(SimpleHistoryAdmin):
    list_display = ["words", "note", "updated_at"]
    search_fields = ["terms", "note"]
    fields = ["terms", "note"]

    @admin.display(description=gettext_lazy("words"), ordering="terms")
    def words(self, group: SynonymGroup) -> str:
        return "・".join(group.term_list())

    def save_model(self, request, obj, form, change):
        reason = _("Changed in the admin") if change else _("Added in the admin")
        synonym_group_save(group=obj, actor=request.user, reason=reason)

    def delete_model(self, request, obj):
        synonym_group_delete(group=obj, actor=request.user, reason=_("Deleted in the admin"))

    def delete_queryset(self, request, queryset):
        for group in queryset:
            self.delete_model(request, group)
