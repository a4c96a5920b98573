"""The territory's configuration: YAML files in ``config/`` validated by pydantic."""

from clauses.config.base import ConfigError
from clauses.config.loader import Config, load_config

__all__ = ["Config", "ConfigError", "load_config"]
