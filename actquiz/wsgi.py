"""WSGI entry point (gunicorn actquiz.wsgi)."""

import os

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")

application = get_wsgi_application()

if settings.SECRET_KEY_IS_EPHEMERAL:
    raise ImproperlyConfigured(
        "SECRET_KEY (or SECRET_KEY_FILE) must be set to serve with DEBUG off; "
        "set DEBUG=1 only on a development machine."
    )
