"""Run reports: training curves, accuracy bars, a confusion matrix and a gallery of explained
predictions, in one self-contained ``report.html`` with its ``plots/``."""

from polymodal.report.write import Report, make_report, save_report, write_report

__all__ = ["Report", "make_report", "save_report", "write_report"]
