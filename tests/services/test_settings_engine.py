"""Settings read without the FSRS engine unless they hold fitted parameters (issue 19: the
window's first frame reads them before ``studyapp.core.scheduling`` is imported), with the
same values and checks either way."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from studyapp.core import retention, scheduling
from studyapp.services.settings import LIMITS, Settings
from tests.freshpython import fresh_python

ROOT = Path(__file__).resolve().parents[2]

_READ = """
import sys
from studyapp.services.settings import Settings
plain = Settings(desired_retention=0.9)
print("studyapp.core.scheduling" in sys.modules, "fsrs_rs_python" in sys.modules)
fitted = Settings(fsrs_parameters=tuple([0.3] * 19))
print("studyapp.core.scheduling" in sys.modules, len(fitted.fsrs_parameters))
"""


def test_settings_without_fitted_parameters_do_not_import_the_engine() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = fresh_python("-c", _READ, env=env, check=True)
    assert done.stdout.split("\n")[:2] == ["False False", "True 21"]


def test_the_lazy_engine_gives_the_same_parameters_and_checks() -> None:
    assert retention.RETENTION_RANGE is scheduling.RETENTION_RANGE
    assert LIMITS["desired_retention"] == scheduling.RETENTION_RANGE
    assert Settings().parameters == scheduling.DEFAULT_PARAMETERS
    config = Settings(desired_retention=0.85, fuzz=False).scheduler_config()
    assert config == scheduling.SchedulerConfig(
        desired_retention=0.85,
        learning_steps=(1.0, 10.0),
        relearning_steps=(10.0,),
        fuzz=False,
        parameters=scheduling.DEFAULT_PARAMETERS,
        rollover_hour=4,
    )
    fitted = tuple([0.3] * 19)
    assert Settings(fsrs_parameters=fitted).fsrs_parameters == scheduling.check_parameters(fitted)
    with pytest.raises(ValueError, match="21 numbers"):
        Settings(fsrs_parameters=(0.1, 0.2))
