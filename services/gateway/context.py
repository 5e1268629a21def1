"""What the gateway's routers share, built once when the app starts."""

from __future__ import annotations

from dataclasses import dataclass

import redis
from fastapi import Request

from catalogue_sync.config import NetworkConfig, Settings
from catalogue_sync.errors import ConfigError
from catalogue_sync.gateway.pseudonyms import PseudonymKeys
from catalogue_sync.gateway.sessions import Sessions
from catalogue_sync.gateway.signin import SignIn
from catalogue_sync.gateway.throttle import Throttle
from catalogue_sync.stats.clicks import first_click
from catalogue_sync.store import Store
from connectors import registry

REDIS_TIMEOUT = 1.0


@dataclass(slots=True)
class GatewayContext:
    network: NetworkConfig
    redis: redis.Redis
    keys: PseudonymKeys
    sessions: Sessions
    sign_in: SignIn
    store: Store
    """The vendors' API: its keys, audit, usage events, what pseudonyms stand for."""

    @classmethod
    def open(cls, network: NetworkConfig, settings: Settings,
             keys: PseudonymKeys | None = None) -> GatewayContext:
        """The context of ``network``: Redis from [cache] redis_url or the environment, the
        pseudonym keys from [gateway] pseudonym_keys_env unless given."""
        url = network.redis_url(settings)
        if not url:
            raise ConfigError("the gateway keeps its sessions in Redis: set [cache] redis_url "
                              "in network.toml or CATALOGUE_SYNC_REDIS_URL")
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT,
                                      socket_connect_timeout=REDIS_TIMEOUT)
        keys = keys or PseudonymKeys.from_environment(network.gateway.pseudonym_keys_env)
        settings_ = network.gateway
        prefix = f"{network.cache.key_prefix}:gateway"
        sessions = Sessions(client, prefix=prefix, idle=settings_.session_idle_minutes * 60,
                            absolute=settings_.session_max_hours * 3600)
        throttle = Throttle(client, prefix=prefix, key=keys.current[1],
                            per_card=settings_.attempts_per_card,
                            per_address=settings_.attempts_per_address,
                            lockout=settings_.lockout_minutes * 60)
        sign_in = SignIn(network, keys, sessions, throttle, registry.build_directory)
        store = Store(network.database_url(settings))
        store.create_schema()
        return cls(network, client, keys, sessions, sign_in, store)

    def first_click(self, session_hash: str, resource: str) -> bool:
        """Whether an opening counts in the statistics (COUNTER's double-click filter)."""
        return first_click(self.redis, self.sessions.prefix, session_hash, resource)

    async def close(self) -> None:
        self.redis.close()
        self.store.close()


def context_of(request: Request) -> GatewayContext:
    context: GatewayContext = request.app.state.context
    return context
