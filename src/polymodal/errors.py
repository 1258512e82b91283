"""Errors that describe a user's mistake: the CLI prints them without a traceback.

Each message names the file, field or argument that is wrong and what was expected.
"""


class PolymodalError(Exception):
    """Base class of every error caused by user input (configs, data, run folders)."""


class ConfigError(PolymodalError):
    """A config file, override or component that cannot be loaded or bound."""


class DataError(PolymodalError):
    """A dataset file, field or image that is missing or malformed."""


class CheckpointError(PolymodalError):
    """A run folder or checkpoint that is missing, incomplete or does not match the model."""
