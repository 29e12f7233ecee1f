"""Valid payloads of each transition, for the API and for the admin's forms."""

from escalations.models import CaseStatus

PAYLOADS = {
    "start_work": {"comment": "対応を開始します"},
    "escalate": {
        "reason": "knowledge_gap",
        "customer_wants": "返金してほしい",
        "tried": "明細を説明した",
        "mood": "angry",
    },
    "acknowledge": {"comment": "受け付けました"},
    "return_to_owner": {
        "answer": "返金可能です。手続きを案内してください。",
        "reusable": False,
        "not_reusable_reason": "この契約に固有の回答",
    },
    "wait_for_customer": {"comment": "お客様の確認待ち"},
    "resume": {"comment": ""},
    "resolve": {"resolution": "返金手続きを案内して解決"},
    "close": {"comment": ""},
    "reopen": {"reason": "お客様から再度連絡"},
}


def admin_form(name: str) -> dict:
    """``PAYLOADS[name]`` as the admin's form posts it: a yes/no as ``"yes"`` or ``"no"``."""
    return {
        key: ({True: "yes", False: "no"}[value] if isinstance(value, bool) else value)
        for key, value in PAYLOADS[name].items()
    }


URL_PATH = {
    "start_work": "start-work",
    "return_to_owner": "return",
    "wait_for_customer": "wait-for-customer",
}


def transition_url(case, name: str) -> str:
    return f"/api/v1/cases/{case.reference}/{URL_PATH.get(name, name)}/"


def admin_name(case, name: str) -> str:
    """The admin's transition name for the API's ``name`` on ``case`` as it is now."""
    if name == "escalate" and case.status in (CaseStatus.ESCALATED, CaseStatus.ACKNOWLEDGED):
        return "escalate_further"
    return name


def create_body(customer, category) -> dict:
    """A valid ``POST /api/v1/cases/`` body opening a case for ``customer`` in ``category``,
    with a call log."""
    return {
        "customer": customer.pk,
        "category": category.pk,
        "subject": "請求額が違う",
        "impact": 2,
        "urgency": 2,
        "call_log": "お客様からの問い合わせ",
    }
