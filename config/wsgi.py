import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from ops.checks import refuse_unsafe_start  # noqa: E402 - needs the apps loaded above

refuse_unsafe_start()  # with DEBUG off, unsafe settings stop gunicorn from starting

from django.conf import settings  # noqa: E402

from notifications.wsgi import UnchangedPollShortcut  # noqa: E402

if settings.LIVE_POLL_SHORTCUT:
    # the bell's unchanged polls (nearly all of them) answered before Django's middleware
    application = UnchangedPollShortcut(application)
