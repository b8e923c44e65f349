"""Suite-wide: the date the config's expiry checks use (EKS standard support, artifact review
dates) is pinned, so that the suite does not turn red on a calendar date. Subprocesses (the CLI)
inherit it. Tests of the expired paths set a later date themselves."""
import os

from regzone.clock import TODAY_ENV

PINNED_TODAY = "2026-11-30"
os.environ[TODAY_ENV] = PINNED_TODAY
