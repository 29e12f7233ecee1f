"""The roles (Groups) and their permissions. Used by the data migration that creates them."""

from django.contrib.auth.management import create_permissions

OPERATOR_CASE_WORK = [
    "escalations.view_case",
    "escalations.add_case",
    "escalations.change_case",
    "escalations.start_work_case",
    "escalations.escalate_case",
    "escalations.wait_customer_case",
    "escalations.resolve_case",
    "escalations.close_case",
    "escalations.reopen_case",
    "escalations.view_casenote",
    "escalations.add_casenote",
    "escalations.view_escalation",
    "escalations.view_customer",
    "escalations.add_customer",
    "escalations.change_customer",
    "escalations.view_category",
    "escalations.view_escalationrule",
    "accounts.view_team",
]
TIER_WORK = [
    "escalations.view_case",
    "escalations.change_case",
    "escalations.acknowledge_case",
    "escalations.return_case",
    "escalations.escalate_further_case",
    "escalations.view_casenote",
    "escalations.add_casenote",
    "escalations.view_escalation",
    "escalations.view_customer",
    "escalations.view_category",
    "escalations.view_escalationrule",
    "accounts.view_team",
]
READ_ALL = [
    "escalations.view_all_cases",
    "escalations.view_case",
    "escalations.view_casenote",
    "escalations.view_escalation",
    "escalations.view_customer",
    "escalations.view_category",
    "escalations.view_escalationrule",
    "accounts.view_team",
    "accounts.view_user",
]
CONFIGURATION = [
    f"{app}.{action}_{model}"
    for app, model in [
        ("escalations", "category"),
        ("escalations", "escalationrule"),
        ("escalations", "customer"),
        ("accounts", "team"),
        ("accounts", "user"),
    ]
    for action in ("view", "add", "change", "delete")
]

SLA_VIEW = [
    "escalations.view_slaevent",
    "escalations.view_businesscalendar",
    "escalations.view_slapolicy",
]
SLA_READ_ALL = [
    *SLA_VIEW,
    "escalations.view_openinghours",
    "escalations.view_calendarday",
    "escalations.view_slaprioritytarget",
    "escalations.view_slahoptarget",
    "notifications.view_notification",
]
SLA_CONFIGURATION = [
    f"escalations.{action}_{model}"
    for model in (
        "businesscalendar",
        "openinghours",
        "calendarday",
        "slapolicy",
        "slaprioritytarget",
        "slahoptarget",
    )
    for action in ("view", "add", "change", "delete")
] + ["notifications.change_notification"]

# Knowledge base (knowledge/policy.py): operators write drafts and submit them; supervisors and
# specialists also review and publish; managers archive; everyone who works cases records which
# articles were used on them.
KNOWLEDGE_WRITE = [
    "knowledge.view_article",
    "knowledge.add_article",
    "knowledge.change_article",
    "knowledge.view_casearticle",
    "knowledge.add_casearticle",
]
KNOWLEDGE_REVIEW = [*KNOWLEDGE_WRITE, "knowledge.publish_article"]
KNOWLEDGE_READ_ALL = [
    "knowledge.view_article",
    "knowledge.archive_article",
    "knowledge.view_casearticle",
    "knowledge.view_deflection",
]

ROLES: dict[str, list[str]] = {
    "operator": sorted(set(OPERATOR_CASE_WORK) | set(SLA_VIEW)),
    "supervisor": sorted(
        set(OPERATOR_CASE_WORK)
        | set(TIER_WORK)
        | set(SLA_VIEW)
        | {"notifications.view_notification"}
    ),
    "specialist": sorted(set(TIER_WORK) | set(SLA_VIEW)),
    "manager": sorted(set(READ_ALL) | set(SLA_READ_ALL)),
    "administrator": sorted(
        set(READ_ALL)
        | set(CONFIGURATION)
        | set(SLA_READ_ALL)
        | set(SLA_CONFIGURATION)
        | {"auth.view_group"}
    ),
}
for _role, _codes in {
    "operator": KNOWLEDGE_WRITE,
    "supervisor": KNOWLEDGE_REVIEW,
    "specialist": KNOWLEDGE_REVIEW,
    "manager": KNOWLEDGE_READ_ALL,
    "administrator": KNOWLEDGE_READ_ALL,
}.items():
    ROLES[_role] = sorted(set(ROLES[_role]) | set(_codes))

# The synonym dictionary of the knowledge search: everyone who reads articles sees it;
# supervisors, specialists and managers keep it.
SYNONYMS_READ = ["knowledge.view_synonymgroup"]
SYNONYMS_KEEP = [
    *SYNONYMS_READ,
    "knowledge.add_synonymgroup",
    "knowledge.change_synonymgroup",
    "knowledge.delete_synonymgroup",
]
for _role, _codes in {
    "operator": SYNONYMS_READ,
    "supervisor": SYNONYMS_KEEP,
    "specialist": SYNONYMS_KEEP,
    "manager": SYNONYMS_KEEP,
    "administrator": SYNONYMS_READ,
}.items():
    ROLES[_role] = sorted(set(ROLES[_role]) | set(_codes))

# The audit log across all historised models (issue 5).
AUDIT_READ = ["audit.view_auditlog"]
ROLES["manager"] = sorted(set(ROLES["manager"]) | set(AUDIT_READ))
ROLES["administrator"] = sorted(set(ROLES["administrator"]) | set(AUDIT_READ))
# Integrations (API tokens, webhook subscriptions, their delivery log): administrators.
INTEGRATIONS = [
    "integrations.view_apitoken",
    "integrations.add_apitoken",
    "integrations.change_apitoken",
    "integrations.view_webhooksubscription",
    "integrations.add_webhooksubscription",
    "integrations.change_webhooksubscription",
    "integrations.delete_webhooksubscription",
    "integrations.view_webhookdelivery",
]
ROLES["administrator"] = sorted(set(ROLES["administrator"]) | set(INTEGRATIONS))


def sync_roles(group_model, permission_model) -> None:
    """Create or update each role's Group with its permissions (those that exist yet).

    Takes the models so the data migration can pass its historical ones."""
    for role, codes in ROLES.items():
        group, _created = group_model.objects.get_or_create(name=role)
        wanted = [tuple(code.split(".")) for code in codes]
        perms = list(
            permission_model.objects.filter(
                content_type__app_label__in={app for app, _ in wanted},
                codename__in={codename for _, codename in wanted},
            ).select_related("content_type")
        )
        found = {(p.content_type.app_label, p.codename): p for p in perms}
        # A permission of a model a later migration creates is missing here; that migration
        # syncs again (tests/accounts/test_roles.py checks that none is missing in the end).
        group.permissions.set([found[key] for key in wanted if key in found])


def migrate_roles(apps, schema_editor) -> None:
    """Data-migration step: make sure every permission exists, then sync the roles. Each
    migration that changes ``ROLES`` runs this again."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


# Callback promises (issue 8): those who keep the customer promise and keep them.
CALLBACK_WORK = [
    "escalations.view_callback",
    "escalations.add_callback",
    "escalations.change_callback",
]
for _role in ("operator", "supervisor"):
    ROLES[_role] = sorted(set(ROLES[_role]) | set(CALLBACK_WORK))
for _role in ("manager", "administrator"):
    ROLES[_role] = sorted(set(ROLES[_role]) | {"escalations.view_callback"})
# The manager dashboard (issue 7): managers and supervisors see it; per-person figures are for
# managers only (blameless by default). Recording reviews of rules and teams: managers.
DASHBOARD = ["reports.view_dashboard", "reports.view_review", "reports.add_review"]
ROLES["manager"] = sorted(set(ROLES["manager"]) | set(DASHBOARD) | {"reports.view_person_figures"})
ROLES["supervisor"] = sorted(set(ROLES["supervisor"]) | {"reports.view_dashboard"})
# Operations (issue 19): the SLA clock banner on admin pages.
for _role in ("manager", "administrator"):
    ROLES[_role] = sorted(set(ROLES[_role]) | {"ops.view_clock_status"})

# Login throttling (django-axes): administrators see locked logins and unlock them (delete).
LOGIN_LOCKS = ["axes.view_accessattempt", "axes.delete_accessattempt", "axes.view_accesslog"]
ROLES["administrator"] = sorted(set(ROLES["administrator"]) | set(LOGIN_LOCKS))
# Who in their teams has desktop alerts off (notifications/preferences.py): managers and
# supervisors, for the teams they are in or lead.
for _role in ("manager", "supervisor"):
    ROLES[_role] = sorted(set(ROLES[_role]) | {"notifications.view_inboxsettings"})


# Absence periods and on-call rotations (issue 20): administrators keep the rotations; managers
# and supervisors read them (everyone sets absence periods by the rule of accounts.absence, not
# by a model permission).
ON_CALL = [
    f"accounts.{action}_{model}"
    for model in ("oncallrotation", "oncallmember", "oncalloverride")
    for action in ("view", "add", "change", "delete")
]
ROLES["administrator"] = sorted(set(ROLES["administrator"]) | set(ON_CALL))
for _role in ("manager", "supervisor"):
    ROLES[_role] = sorted(set(ROLES[_role]) | {"accounts.view_oncallrotation"})
