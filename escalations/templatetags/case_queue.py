"""``{% case_result_list cl %}``: the admin's ``{% result_list cl %}`` with the case list's rows
drawn once per page (:mod:`escalations.admin.queue_rows`)."""

from __future__ import annotations

from django import template
from django.contrib.admin.templatetags import admin_list

from escalations.admin.queue_rows import result_rows

register = template.Library()


@register.inclusion_tag("admin/change_list_results.html")
def case_result_list(cl) -> dict:
    rows = result_rows(cl)
    if rows is None:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [admin_list.ResultList(None, cells) for cells in rows],
    }
