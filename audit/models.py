from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """No table of its own (the history tables are the record): gives the audit log page its
    place in the admin and its permission, ``audit.view_auditlog``."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [("view_auditlog", _("Can view the audit log"))]
        verbose_name = _("audit log")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
