"""The working intervals of rehabilitation and return are operational settings (docs/assistance.md): set in
the environment of the server, they change what the application does — they were documented as settings but
never read from the environment."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def intervals(names, **environment):
    script = ("import django, json; django.setup()\n"
              "from nicat.assistance import conf\n"
              f"print(json.dumps([getattr(conf, name)() for name in {names!r}]))\n")
    # no NICAT_* of the test run's own (the PostgreSQL run's database settings included): the settings read
    # here need no database, only the environment given
    env = {k: v for k, v in os.environ.items() if not k.startswith("NICAT_")}
    env.update({"DJANGO_SETTINGS_MODULE": "nicat.settings_test", **environment})
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


DOCUMENTED = ["plan_review_interval_days", "residence_permit_reminder_days", "return_follow_up_days",
              "occupancy_history_days"]


def test_the_documented_working_intervals_are_read_from_the_environment():
    assert intervals(DOCUMENTED) == [90, 30, 30, 90]
    assert intervals(DOCUMENTED, NICAT_PLAN_REVIEW_INTERVAL_DAYS="60", NICAT_RESIDENCE_PERMIT_REMINDER_DAYS="45",
                     NICAT_RETURN_FOLLOW_UP_DAYS="14", NICAT_OCCUPANCY_HISTORY_DAYS="30") == [60, 45, 14, 30]


def test_the_reminder_windows_are_settings_too():
    names = ["stay_reminder_days", "reminder_days"]
    assert intervals(names) == [7, 7]
    assert intervals(names, NICAT_STAY_REMINDER_DAYS="3", NICAT_ASSISTANCE_REMINDER_DAYS="10") == [3, 10]
