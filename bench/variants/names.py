"""Personal names: found, read and written in each flavour's fields and forms."""

from __future__ import annotations

import re

from pymarc import Field, Record, Subfield

from bench.variants.layout import M21, Layout
from catalogue_sync.models import Flavour


def first_name(record: Record, lay: Layout) -> Field | None:
    """The first personal name: 100 or 700 (MARC 21), 700 or 701 (UNIMARC)."""
    for found in record.get_fields(*lay.names[:2]):
        if found.get("a") and not found.get("t"):
            return found
    return None


def read_name(found: Field, flavour: Flavour) -> tuple[str, str | None, str | None, str]:
    """(surname, forename, dates, form) of a personal name field."""
    name = re.sub(r"(?<=\w\w)\.$", "", (found.get("a") or "").strip(" ,"))
    direct = (found.indicator1 if flavour is M21 else found.indicator2) == "0"
    dates = (found.get("d") if flavour is M21 else found.get("f")) or None
    if direct:
        forename, _, surname = name.rpartition(" ")
    elif flavour is M21:
        surname, _, forename = name.partition(", ")
    else:
        surname, forename = name, (found.get("b") or "").strip(" ,")
    dates = re.sub(r"(?<!\.)\.$", "", dates.strip(" ,")) if dates else None  # "1981-...." stays
    form = ("direct" if direct else "dated" if dates
            else "initial" if forename.endswith(".") else "inverted")
    return surname, forename or None, dates, form


def _initials(forename: str) -> str:
    if forename.endswith("."):
        return forename
    return "-".join(f"{part[0]}." for part in forename.split("-"))


def write_name(found: Field, flavour: Flavour, surname: str, forename: str,
               dates: str | None, form: str) -> None:
    """The name written in one form: "inverted", "direct", "initial" or "dated"."""
    given = _initials(forename) if form == "initial" else forename
    if flavour is M21:
        kept = [s for s in found.subfields if s.code not in "adq"]
        new = ([Subfield("a", f"{forename} {surname}")] if form == "direct"
               else [Subfield("a", f"{surname}, {given}" + ("," if form == "dated" else ""))])
        if form == "dated" and dates:
            new.append(Subfield("d", dates))
        found.indicator1 = "0" if form == "direct" else "1"
    else:
        kept = [s for s in found.subfields if s.code not in "abf"]
        new = ([Subfield("a", f"{forename} {surname}")] if form == "direct"
               else [Subfield("a", surname), Subfield("b", given)])
        if form == "dated" and dates:
            new.append(Subfield("f", dates))
        found.indicator2 = "0" if form == "direct" else "1"
    found.subfields = new + kept
