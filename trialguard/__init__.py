"""trialguard: plausibility checks and discrepancy reports for clinical-trial records."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trialguard")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"
