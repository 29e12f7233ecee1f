"""An incoming call (the CTI's screen pop, or a number typed): ``case/call/?number=…`` finds the
caller by their number however it is written, and opens their one open case at once; otherwise
it lists the callers it found with their open cases and a "new case" link pre-filled with the
customer and the phone channel (or a new customer with the number)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from escalations.lookup import phone_key
from escalations.models import Channel
from escalations.selectors import caller_open_cases

# a number of fewer digits is not a caller's number (a typo, an extension)
MIN_DIGITS = 6
SHOWN = 20


def call_view(model_admin, request: HttpRequest) -> HttpResponse:
    number = request.GET.get("number", "").strip()
    key = phone_key(number)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Incoming call"),
        "number": number,
    }
    if len(key) < MIN_DIGITS:
        context["error"] = _("Give the caller's phone number (at least %(n)d digits).") % {
            "n": MIN_DIGITS
        }
        return TemplateResponse(request, "admin/escalations/case/call.html", context, status=400)
    customers, cases = caller_open_cases(user=request.user, phone_digits=key, limit=SHOWN)
    if len(customers) == 1 and len(cases) == 1:
        return HttpResponseRedirect(reverse("admin:escalations_case_change", args=[cases[0].pk]))
    may_add = model_admin.has_add_permission(request)
    add = reverse("admin:escalations_case_add")
    context.update(
        {
            "callers": [
                (
                    customer,
                    [case for case in cases if case.customer_id == customer.pk],
                    f"{add}?{urlencode({'customer': customer.pk, 'channel': Channel.PHONE})}"
                    if may_add
                    else "",
                )
                for customer in customers
            ],
            "new_customer_url": f"{reverse('admin:escalations_customer_add')}?"
            f"{urlencode({'phone': number})}"
            if request.user.has_perm("escalations.add_customer")
            else "",
        }
    )
    return TemplateResponse(request, "admin/escalations/case/call.html", context)
