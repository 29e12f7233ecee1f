from urllib.parse import urlencode

from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def audit_log_url(context, obj) -> str:
    """The audit log filtered to ``obj`` (a case: with its notes and hops), for those allowed
    to read it; else an empty string."""
    request = context.get("request")
    if obj is None or request is None or not request.user.has_perm("audit.view_auditlog"):
        return ""
    reference = getattr(obj, "reference", None)
    params = (
        {"object": reference} if reference else {"model": obj._meta.label_lower, "object": obj.pk}
    )
    return reverse("admin:audit_auditlog_changelist") + "?" + urlencode(params)
