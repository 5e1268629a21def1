"""Loading network.toml: a file that cannot be read is a ConfigError saying where and why."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue_sync.config import load_network
from catalogue_sync.errors import ConfigError

NETWORK = '[network]\nname = "Réseau"\n\n[libraries]\n'


def test_a_file_that_is_not_utf8_names_the_line_and_column(tmp_path: Path) -> None:
    # It was a UnicodeDecodeError traceback.
    path = tmp_path / "network.toml"
    path.write_bytes(NETWORK.replace("Réseau", "R\xe9seau").encode("latin-1"))
    with pytest.raises(ConfigError) as refused:
        load_network(path)
    assert str(refused.value) == (f"{path}: not UTF-8 text (byte 0xe9 at line 2, column 10); "
                                  "save the file as UTF-8")


def test_a_top_level_path_is_refused_by_name(tmp_path: Path) -> None:
    # It was a TypeError: NetworkConfig() got multiple values for keyword argument 'path'.
    path = tmp_path / "network.toml"
    path.write_text('path = "elsewhere.toml"\n' + NETWORK, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"'path' at the top of the file is not a setting"):
        load_network(path)


def test_a_directory_in_place_of_the_file_is_a_config_error(tmp_path: Path) -> None:
    # It was an IsADirectoryError traceback.
    (tmp_path / "network.toml").mkdir()
    with pytest.raises(ConfigError, match=r"network.toml: cannot be read \(Is a directory\)"):
        load_network(tmp_path / "network.toml")
