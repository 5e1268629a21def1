"""Every setting is documented where operators look for it (after Datasette's test_docs):
the environment's in docs/deployment.md, the gateway's [gateway] table in docs/gateway.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalogue_sync.config import Settings
from catalogue_sync.offer import GatewaySettings

DOCS = Path(__file__).resolve().parent.parent / "docs"


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_every_environment_setting_is_in_the_deployment_table(field: str) -> None:
    variable = f"CATALOGUE_SYNC_{field.upper()}"
    rows = [line for line in (DOCS / "deployment.md").read_text().splitlines()
            if line.startswith(f"| `{variable}` |")]
    assert rows, f"{variable} is not in docs/deployment.md's table of variables"


@pytest.mark.parametrize("field", sorted(GatewaySettings.model_fields))
def test_every_gateway_setting_is_in_the_gateway_s_documentation(field: str) -> None:
    text = (DOCS / "gateway.md").read_text()
    assert re.search(rf"^{field} = |`{field}`|`\[gateway\] {field}`", text, re.MULTILINE), (
        f"[gateway] {field} is in neither docs/gateway.md's network.toml example nor its text")
