"""Give each sandbox library of a demo network.toml a harvest schedule and its territory.

    python scripts/demo_schedules.py var/demo/network.toml

The sandbox network is imaginary ("Grand Val-de-Clain"); its libraries are placed around
Poitiers, one across the border in the Deux-Sèvres, as a network's users often are.
"""

from __future__ import annotations

import sys
from pathlib import Path

import tomlkit

SCHEDULE = "every 15m"
TERRITORY = {
    "mediatheque-fm": {"commune": "Poitiers", "code_insee": "86194"},
    "reseau-agglo": {"commune": "Buxerolles", "departement": "86"},
    "departementale": {"commune": "Poitiers", "code_insee": "86194"},
    "ludotheque": {"commune": "Chasseneuil-du-Poitou", "departement": "86"},
    "centre-doc": {"commune": "Niort", "departement": "79"},
}


def main(path: Path) -> None:
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    for library_id, library in document["libraries"].items():
        library["schedule"] = SCHEDULE
        for key, value in TERRITORY.get(library_id, {}).items():
            library[key] = value
    path.write_text(tomlkit.dumps(document), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
