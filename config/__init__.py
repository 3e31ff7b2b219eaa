"""Configuration: the pydantic schema, the YAML loader and the example files."""

from config.errors import ConfigError, ConfigIssue
from config.loader import LoadedConfig, load_config, parse_config
from config.schema import NightwatchConfig

__all__ = [
    "ConfigError",
    "ConfigIssue",
    "LoadedConfig",
    "NightwatchConfig",
    "load_config",
    "parse_config",
]
