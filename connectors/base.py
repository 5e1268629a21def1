"""What every built-in connector shares: option validation and secrets from the environment."""

from __future__ import annotations

import os
from typing import ClassVar, Generic, TypeVar

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from catalogue_sync.config import LibraryConfig, describe_validation_error
from catalogue_sync.errors import ConfigError


class ConnectorOptions(BaseModel):
    """Base of each connector's options table; unknown options are errors, not ignored."""

    model_config = ConfigDict(extra="forbid")


OptionsT = TypeVar("OptionsT", bound=ConnectorOptions)


class BaseConnector(Generic[OptionsT]):
    """Validates ``[libraries.ID.connector]`` against ``Options`` when the connector is built."""

    Options: ClassVar[type[ConnectorOptions]] = ConnectorOptions
    snapshot: ClassVar[bool] = False

    def __init__(self, library: LibraryConfig, client: httpx.AsyncClient) -> None:
        self.library = library
        self.client = client
        self.options: OptionsT = self.parse_options(library)  # type: ignore[assignment]

    @classmethod
    def parse_options(cls, library: LibraryConfig) -> ConnectorOptions:
        try:
            return cls.Options(**library.connector.options)
        except ValidationError as exc:
            where = f"libraries.{library.id}.connector"
            raise ConfigError(describe_validation_error(where, exc, sep=".")) from exc

    def secret(self, env_name: str | None) -> str | None:
        """Read a secret from the environment variable the network file names."""
        if env_name is None:
            return None
        try:
            return os.environ[env_name]
        except KeyError:
            raise ConfigError(
                f"libraries.{self.library.id}.connector: environment variable {env_name} "
                "is not set"
            ) from None
