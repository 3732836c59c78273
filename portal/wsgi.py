import os
import sys

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

from portal.core.env import one_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
try:
    application = get_wsgi_application()
except ImproperlyConfigured as error:
    # One line naming the variable, not a traceback. The exit status is gunicorn's "App failed to
    # load" (4), on which its arbiter stops instead of starting the worker again and again.
    sys.stderr.write(one_line(error) + "\n")
    raise SystemExit(4) from None
