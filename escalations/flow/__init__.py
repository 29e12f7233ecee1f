"""The escalation flow page: the live configuration (tiers, teams, people, the escalation
matrix, SLA targets and the case state machine) shown as one printable page."""
