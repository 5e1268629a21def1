"""The merge's settings, read once from ``[merge]`` in network.toml."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass

from catalogue_sync.config import MergeConfig, NetworkConfig
from catalogue_sync.merge import keys, rules
from catalogue_sync.merge.keys import blocklist_keys
from catalogue_sync.merge.rules import MatchSettings

KEY_CAP = 500
"""A blocking key shared by more records than this is not used to find candidates: it is
almost surely a wrong number copied across catalogues (a publisher's ISBN on every title).
Such keys are logged; the fix is to add them to ``[merge] blocklist``."""


@dataclass(frozen=True, slots=True)
class MergeSettings:
    """What the merge engine needs: the rules' settings, the blocklist, the display priority."""

    match: MatchSettings
    blocklist: frozenset[str]
    library_priority: tuple[str, ...]
    fingerprint: int
    """Changes whenever a setting that shapes the clusters or their display changes, or the
    code that does (``KEYS_VERSION``, ``RULES_VERSION``)."""
    key_cap: int = KEY_CAP

    @classmethod
    def from_config(cls, config: NetworkConfig | MergeConfig, *, key_cap: int = KEY_CAP
                    ) -> MergeSettings:
        merge = config.merge if isinstance(config, NetworkConfig) else config
        match = MatchSettings(same_library=merge.same_library,
                              page_tolerance=merge.page_tolerance,
                              page_slack=merge.page_slack,
                              year_tolerance=merge.year_tolerance)
        return cls(match=match, blocklist=blocklist_keys(merge.blocklist),
                   library_priority=tuple(merge.library_priority),
                   fingerprint=_fingerprint(merge, key_cap), key_cap=key_cap)


def _fingerprint(merge: MergeConfig, key_cap: int) -> int:
    """A stable 31-bit number for the settings and the versions of the keys and rules (kept
    in the store's counters table): a new one makes the next merge a full rebuild."""
    data = {**merge.model_dump(mode="json"), "key_cap": key_cap,
            "keys_version": keys.KEYS_VERSION, "rules_version": rules.RULES_VERSION}
    data["blocklist"] = sorted(blocklist_keys(merge.blocklist))  # order and spelling: no matter
    text = json.dumps(data, sort_keys=True)
    return zlib.crc32(text.encode("utf-8")) & 0x7FFFFFFF
