"""What every built-in connector and provider shares: option validation, secrets from the
environment.

A harvest connector reads its options from ``[libraries.ID.connector]``, a live availability
provider from ``[libraries.ID.availability]``; both are validated the same way, so an unknown
or missing option is an error naming the library, the table and the option.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from catalogue_sync.config import LibraryConfig, describe_validation_error
from catalogue_sync.errors import ConfigError


class ConnectorOptions(BaseModel):
    """Base of each connector's options table; unknown options are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")


OptionsT = TypeVar("OptionsT", bound=ConnectorOptions)


class Configured(Generic[OptionsT]):
    """Validates the library's ``table`` against ``Options`` when the object is built."""

    Options: ClassVar[type[ConnectorOptions]] = ConnectorOptions
    table: ClassVar[str] = "connector"
    """The sub-table of ``[libraries.ID]`` holding the options."""

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        self.library = library
        self.client = client
        self.options: OptionsT = self.parse_options(library)  # type: ignore[assignment]

    @classmethod
    def parse_options(cls, library: LibraryConfig) -> ConnectorOptions:
        where = f"libraries.{library.id}.{cls.table}"
        try:
            return cls.Options(**cls.raw_options(library))
        except ValidationError as exc:
            raise ConfigError(describe_validation_error(where, exc, sep=".")) from exc

    @classmethod
    def raw_options(cls, library: LibraryConfig) -> dict[str, Any]:
        config = getattr(library, cls.table)
        if config is None:
            raise ConfigError(f"libraries.{library.id}: no [{cls.table}] table")
        options: dict[str, Any] = config.options
        return options

    def secret(self, env_name: str | None) -> str | None:
        """Read a secret from the environment variable the network file names."""
        if env_name is None:
            return None
        try:
            return os.environ[env_name]
        except KeyError:
            raise ConfigError(
                f"libraries.{self.library.id}.{self.table}: environment variable {env_name} "
                "is not set"
            ) from None


class BaseConnector(Configured[OptionsT]):
    """A harvest connector: options from ``[libraries.ID.connector]``."""

    snapshot: ClassVar[bool] = False


class BaseProvider(Configured[OptionsT]):
    """A live availability provider: options from ``[libraries.ID.availability]``."""

    table: ClassVar[str] = "availability"
