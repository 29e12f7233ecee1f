"""The roles (Groups) and their permissions. Used by the data migration that creates them."""

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

ROLES: dict[str, list[str]] = {
    "operator": OPERATOR_CASE_WORK,
    "supervisor": sorted(set(OPERATOR_CASE_WORK) | set(TIER_WORK)),
    "specialist": TIER_WORK,
    "manager": READ_ALL,
    "administrator": sorted(set(READ_ALL) | set(CONFIGURATION) | {"auth.view_group"}),
}


def sync_roles(group_model, permission_model) -> None:
    """Create or update each role's Group with exactly its permissions.

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
        missing = sorted(set(wanted) - set(found))
        if missing:
            raise LookupError(f"role {role}: unknown permissions {missing}")
        group.permissions.set([found[key] for key in wanted])
