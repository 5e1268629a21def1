"""Fuzzing the KBART reader with damaged copies of the vendors' real title lists.

Whatever the damage, reading a list raises nothing but a SourceProtocolError (a file whose
header cannot be read is refused whole); a row the damage broke comes back as a problem with
its line number and raw bytes, never dropped; and the rows the damage did not touch are read
as they were. The budget is fixed (tests/fuzzing.py); ``make fuzz`` runs a long one.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from catalogue_sync.errors import SourceProtocolError
from catalogue_sync.kbart import BOM, KbartList, read_kbart
from tests.fuzzing import FUZZ, damaged

FIXTURES = Path(__file__).parents[1] / "fixtures" / "kbart"
LISTS = [(FIXTURES / name).read_bytes() for name in ("lirenligne_romans.txt",
                                                     "kiosque_presse.txt")]
# A line and its end, as the reader splits them.
_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\n|\r|$)")


def read(data: bytes) -> KbartList | None:
    """The list as the reader makes it, or None when it refused the file whole."""
    try:
        found = read_kbart(data, "fuzz.txt")
    except SourceProtocolError:
        return None
    lines = re.split(rb"\r\n|\n|\r", data.removeprefix(BOM))
    for problem in found.problems:  # each refused row is named by its line, bytes and all
        assert problem.reason.startswith(f"line {problem.line}: ")
        assert lines[problem.line - 1] == problem.data
    for title in found.titles:
        assert title.publication_title and title.title_url and title.title_id
    # Nothing is lost: every line after the header holding something is read or reported.
    header = next(n for n, line in enumerate(lines) if line.strip())
    rows = [line for line in lines[header + 1:] if line.strip()]
    assert len(found.titles) + len(found.problems) == len(rows)
    return found


def _rows(data: bytes) -> list[tuple[int, int]]:
    """The spans of the rows after the header (the line ends excluded)."""
    spans = [(m.start(), m.end()) for m in _LINE.finditer(data) if m.end() > m.start()]
    return [(start, start + len(data[start:end].rstrip(b"\r\n"))) for start, end in spans[1:]]


SOUND = {data: read(data) for data in LISTS}


@FUZZ
@given(st.sampled_from(LISTS).flatmap(damaged))
def test_fuzz_a_damaged_kbart_list_raises_only_our_errors(data: bytes) -> None:
    read(data)


@FUZZ
@given(st.data(), st.sampled_from(LISTS))
def test_fuzz_the_rows_a_damage_did_not_touch_are_read_as_they_were(
        data: st.DataObject, kbart: bytes) -> None:
    rows = [span for span in _rows(kbart) if kbart[span[0]:span[1]].strip()]
    broken = data.draw(st.integers(0, len(rows) - 1), label="damaged row")
    start, end = rows[broken]
    mutated = data.draw(damaged(kbart, start, end), label="list")
    found = read(mutated)
    sound = SOUND[kbart]
    assert found is not None and sound is not None  # the header is untouched
    # A damage may split a row in two or join it to the next: lines after it may move, but
    # every untouched title is still read, and every untouched refusal still reported.
    untouched = [kbart[s:e] for index, (s, e) in enumerate(rows) if index != broken]
    kept_titles = {(t.title_id, t.title_url) for t in found.titles}
    kept_problems = {p.data for p in found.problems}
    for title in sound.titles:
        row = next(kbart[s:e] for s, e in rows if title.title_id.encode() in kbart[s:e])
        if row in untouched and row in mutated:
            assert (title.title_id, title.title_url) in kept_titles or row in kept_problems
    for problem in sound.problems:
        if problem.data in untouched and problem.data in mutated:
            assert problem.data in kept_problems or any(
                t.title_id == problem.title_id for t in found.titles)


HEADER = LISTS[0].splitlines()[0]
COLUMN_COUNT = HEADER.count(b"\t") + 1
# Values as spreadsheets and vendors' scripts damage them: addresses without a scheme or
# with a stray bracket, dates in other orders, quotes, stray markup and control characters.
VALUES = st.sampled_from([
    "", " ", '"', '""', "https://lirenligne.example/livres/x", "http://[::1]/titre",
    "http://[livres.example/x", "https://]x.example/", "www.example.org/x", "http:///x",
    "2013", "2013-02", "13/02/2013", "2013-02-30", "monograph", "Serial", "P", "LEL-0001",
    "\x00", "\x0b", "\u2028", "\ufeff", "é", "<b>", "&amp;", "9782072581335",
]) | st.text(max_size=12)


@st.composite
def rows(draw: st.DrawFn) -> bytes:
    cells = draw(st.lists(VALUES, min_size=COLUMN_COUNT, max_size=COLUMN_COUNT))
    cells = cells[:draw(st.integers(1, COLUMN_COUNT))] + draw(st.lists(VALUES, max_size=2))
    return "\t".join(cells).encode("utf-8", "surrogatepass")


@FUZZ
@given(st.lists(rows(), min_size=1, max_size=6),
       st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_fuzz_every_generated_row_is_a_title_or_a_problem(lines: list[bytes],
                                                          end: bytes) -> None:
    assert read(end.join([HEADER, *lines])) is not None  # read() counts the lines
