"""One tiny real easy-VQA run, shared by the report tests."""

from pathlib import Path

import pytest

from polymodal.report import write_report
from tests.report.runs import one_thread, train_tiny


@pytest.fixture(scope="package")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run folder: 2 epochs of the default job at the ``TINY`` size."""
    return train_tiny(tmp_path_factory.mktemp("report_runs"), "training.epochs=2")


@pytest.fixture(scope="package")
def tiny_report(tiny_run: Path) -> Path:
    """The run's ``report.html``, written once."""
    with one_thread():
        return write_report(tiny_run)
