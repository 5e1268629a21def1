"""Fuzzing network.toml loading with damaged copies of a complete network file.

Whatever the damage (a quote or bracket lost, a line doubled, a byte flipped by an editor
or a transfer), loading the file and checking its connectors' options, as every command
does, raises nothing but a ConfigError, whose message names the
file and says where: the line and column of a TOML error, the table and field of a value
that does not validate. The budget is fixed (tests/fuzzing.py); ``make fuzz`` runs a long
one.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.config import load_network
from catalogue_sync.errors import ConfigError
from connectors import registry
from services.sandbox.config import network_toml
from services.sandbox.generator import SandboxNetwork
from services.sandbox.vendors import offer_toml
from tests.fuzzing import FUZZ, damaged

NETWORK = (network_toml("http://127.0.0.1:8000", SandboxNetwork(seed=1, total_records=10))
           + "\n" + offer_toml()).encode()
# Markup of TOML itself, and values of the wrong kind.
TOKENS = [b"[", b"]", b"[[", b"]]", b"=", b'"', b"'", b'"""', b"\\", b"\\u", b"#", b".",
          b"\n", b"\r", b"\x00", b"{", b"}", b",", b"true", b"-1", b"1e999", b"nan",
          b"2026-13-01", b"[libraries]\n", b"[libraries.x]\n", b"path = 1\n", b'id = "x"\n',
          b"libraries = 1\n", b"[network]\n", b"\xff", b"\xc3"]
# Where a TOML error says it is.
_WHERE = re.compile(r"line \d+|end of document")


def loaded(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as where:
        path = Path(where) / "network.toml"
        path.write_bytes(data)
        try:
            registry.validate(load_network(path))  # as every command loads it
        except ConfigError as error:
            message = str(error)
            assert message.startswith(str(path)), message
            if "not valid TOML" in message or "not UTF-8" in message:
                assert _WHERE.search(message), message


@st.composite
def inserted(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.sampled_from([m.start() for m in re.finditer(rb"^", data, re.MULTILINE)]))
    return data[:at] + draw(st.sampled_from(TOKENS)) + data[at:]


def test_the_sound_network_file_loads() -> None:
    loaded(NETWORK)


@FUZZ
@given(damaged(NETWORK) | inserted(NETWORK).flatmap(damaged))
def test_fuzz_a_damaged_network_file_is_a_config_error_saying_where(data: bytes) -> None:
    loaded(data)
