from django import template

from audit.reasons import reason_label

register = template.Library()


@register.filter
def reason_words(record) -> str:
    """A history row's change reason in words (see ``audit.reasons``)."""
    return reason_label(record.history_change_reason or "", record.instance_type)
