"""Reading vendors' KBART title lists as they really come: quirks tolerated, bad rows kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalogue_sync.errors import SourceProtocolError
from catalogue_sync.kbart import COLUMNS, read_kbart

FIXTURES = Path(__file__).parents[1] / "fixtures" / "kbart"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_full_phase_ii_file_with_bom_and_crlf_is_read_row_by_row() -> None:
    data = fixture("lirenligne_romans.txt")
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    found = read_kbart(data, "romans.txt")
    assert [title.title_id for title in found.titles] == ["LEL-0001", "LEL-0002", "LEL-0005"]
    first = found.titles[0]
    assert first.publication_title == "L'Étranger"
    assert first.print_identifier == "978-2-07-036002-4"
    assert first.title_url == "https://lirenligne.example/livres/etranger"
    assert first.publication_type == "monograph" and not first.serial
    assert found.titles[1].publication_type == "monograph"  # "Monograph" in the file
    assert found.missing_columns == [] and found.ignored_columns == []


def test_bad_rows_are_kept_with_their_line_and_the_column_at_fault() -> None:
    found = read_kbart(fixture("lirenligne_romans.txt"), "romans.txt")
    reasons = {problem.line: problem.reason for problem in found.problems}
    assert reasons == {
        5: "line 5: title_url is empty (required)",
        6: "line 6: date_monograph_published_print is not a date (YYYY, YYYY-MM or "
           "YYYY-MM-DD): '12/03/1885'",
    }
    madame_bovary = found.problems[0]
    assert madame_bovary.title_id == "LEL-0003"
    assert madame_bovary.data.startswith(b"Madame Bovary\t")


def test_another_spelling_of_the_header_missing_and_vendor_columns() -> None:
    found = read_kbart(fixture("kiosque_presse.txt"), "presse.txt")
    assert [title.title_id for title in found.titles] == ["KSQ-LM", "KSQ-SA", "KSQ-GEO"]
    assert found.titles[1].publication_title == "Sciences et avenir"  # quotes unwrapped
    assert found.titles[0].serial and found.titles[0].online_identifier == "1950-6244"
    assert "first_author" in found.missing_columns and "title_url" not in found.missing_columns
    assert found.ignored_columns == ["cafeyn_category"]
    assert [problem.reason for problem in found.problems] == [
        "line 4: title_url is not an http(s) address: 'kiosque.example/titres/sans'",
        "line 5: 13 values where the header names 12 columns (a tab inside a value?); first "
        "extra value: 'en trop'",
    ]


def test_blank_lines_cr_line_ends_and_cut_trailing_cells() -> None:
    data = b"title_id\tpublication_title\ttitle_url\tnotes\r\rA1\tUn\thttps://x.example/1\r\r"
    found = read_kbart(data, "cr.txt")
    assert [(title.line, title.title_id, title.notes) for title in found.titles] == [
        (3, "A1", "")]


def test_a_row_that_is_not_utf8_is_quarantined_and_the_others_read() -> None:
    data = (b"title_id\tpublication_title\ttitle_url\n"
            b"A1\tUn\thttps://x.example/1\n") + b"A2\tCaf\xe9\thttps://x.example/2\n"
    found = read_kbart(data, "latin1.txt")
    assert [title.title_id for title in found.titles] == ["A1"]
    assert found.problems[0].line == 3 and "not UTF-8" in found.problems[0].reason


def test_a_title_id_twice_keeps_the_first_and_quarantines_the_second() -> None:
    data = (b"title_id\tpublication_title\ttitle_url\n"
            b"A1\tUn\thttps://x.example/1\nA1\tDeux\thttps://x.example/2\n")
    found = read_kbart(data, "twice.txt")
    assert [title.publication_title for title in found.titles] == ["Un"]
    assert found.problems[0].reason == "line 3: title_id 'A1' is already on line 2"


def test_a_title_url_with_a_broken_bracket_is_quarantined_and_the_others_read() -> None:
    # urlsplit raises on an unclosed IPv6 bracket: the whole list used to fail with it.
    data = (b"title_id\tpublication_title\ttitle_url\n"
            b"A1\tUn\thttp://[x.example/1\nA2\tDeux\thttps://x.example/2\n")
    found = read_kbart(data, "bracket.txt")
    assert [title.title_id for title in found.titles] == ["A2"]
    assert found.problems[0].reason == (
        "line 2: title_url is not an http(s) address: 'http://[x.example/1'")


def test_a_value_with_a_control_character_is_quarantined_naming_its_column() -> None:
    # It was read as a title, which then could not be made a MARCXML record.
    data = (b"title_id\tpublication_title\ttitle_url\n"
            b"A1\tUn\x00deux\thttps://x.example/1\nA2\tDeux\thttps://x.example/2\n")
    found = read_kbart(data, "nul.txt")
    assert [title.title_id for title in found.titles] == ["A2"]
    assert (found.problems[0].line, found.problems[0].title_id) == (2, "A1")
    assert found.problems[0].reason == (
        "line 2: publication_title holds the control character U+0000 (character 3); KBART "
        "values are plain text")


@pytest.mark.parametrize(("header", "missing"), [
    ("publication_title\ttitle_url", "title_id"),
    ("publication_title,title_url,title_id", "title_url, title_id"),
])
def test_a_header_without_a_required_column_refuses_the_file(header: str, missing: str
                                                              ) -> None:
    with pytest.raises(SourceProtocolError) as refused:
        read_kbart(f"{header}\nx\ty\tz\n".encode(), "list.txt")
    assert "lacks the required column" in str(refused.value)
    assert missing in str(refused.value) and "list.txt" in str(refused.value)


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(SourceProtocolError, match="empty"):
        read_kbart(b"\xef\xbb\xbf\r\n\r\n", "empty.txt")


def test_the_25_columns_of_phase_ii() -> None:
    assert len(COLUMNS) == 25 and len(set(COLUMNS)) == 25
