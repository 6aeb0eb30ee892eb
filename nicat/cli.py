"""The `nicat` console script: every Django management command, plus Nicat's own.

`nicat serve`, `nicat demo`, `nicat token`, `nicat audit ...`, `nicat keys ...` are management
commands of the Nicat apps; this entry point only selects the settings and dispatches.
"""
import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nicat.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["nicat", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
