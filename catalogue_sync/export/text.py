"""Text safe for every export: no characters that XML 1.0 or ISO 2709 forbid."""

from __future__ import annotations

import re
from typing import Any

# XML 1.0 forbids C0 controls but tab, newline and return; ISO 2709 uses 0x1D-0x1F as
# delimiters, which are C0 controls already. Records harvested as ISO 2709 may carry them.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def clean(value: Any) -> str:
    """The value as one line of text: forbidden characters dropped, spaces collapsed."""
    if value is None:
        return ""
    return _SPACES.sub(" ", _FORBIDDEN.sub("", str(value))).strip()


def cleaned(values: Any) -> list[str]:
    """The non-empty cleaned strings of a JSON list (anything else gives no value)."""
    if not isinstance(values, list):
        return []
    return [text for value in values if (text := clean(value))]
