#!/usr/bin/env python
"""Django's command-line entry point for ActQuiz."""

import os
import sys


def main() -> None:
    """Run the management command named in ``sys.argv``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actquiz.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
