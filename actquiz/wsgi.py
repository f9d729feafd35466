"""WSGI entry point (gunicorn actquiz.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")

application = get_wsgi_application()
