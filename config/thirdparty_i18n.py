"""Strings that users see from dependencies without a Japanese catalogue of their own
(django-simple-history, django-fsm-2). Listed here so ``makemessages`` puts them in our
``locale/ja``, which Django consults first (LOCALE_PATHS). Never imported at run time."""

from django.utils.translation import gettext_noop as _
from django.utils.translation import ngettext_noop

STRINGS = [
    # django-simple-history: admin history pages
    _("History"),
    _("Home"),
    _("None"),
    _("This object doesn't have a change history."),
    _("Change History"),
    _("Change reason"),
    _("Changed by"),
    _("Changes"),
    _("Close"),
    _("Comment"),
    _("Date/time"),
    _("Object"),
    _("Revert"),
    _("View %(verbose_name)s"),
    _("View history: %s"),
    _("Change history: %s"),
    _("View %s"),
    _("Created"),
    _("Changed"),
    _("Deleted"),
    _("Choose a date from the list below to revert to a previous version of this object."),
]
PLURALS = [ngettext_noop("entry", "entries", 2)]
