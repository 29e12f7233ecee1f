"""The Django admin, the main UI, by subject. Thin: every write goes through
``escalations.services``."""

from escalations.admin import cases, catalog, hold, sla

__all__ = ["cases", "catalog", "hold", "sla"]
