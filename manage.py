#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from portal.core.env import one_line

    try:
        # Load the settings here, before any command (or runserver's reloader) is started, so
        # that a missing or malformed variable stops every command the same way.
        settings.INSTALLED_APPS  # noqa: B018
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # The message names the variable and what is wrong with it; a traceback adds nothing.
        sys.exit(one_line(error))


if __name__ == "__main__":
    main()
