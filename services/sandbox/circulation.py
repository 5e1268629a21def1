"""Circulation in the sandbox ILSs: each copy's status now, as Koha's REST API reports it.

The copies are the record's holdings (``holdings.items``: same barcodes, call numbers,
locations); what happens to them moves with time. Time is cut into periods of
``PERIOD`` seconds; in each one, a loanable copy is on loan with probability ``ON_LOAN``, due
back between a few days ago (overdue) and four weeks later. A few copies are lost, withdrawn
or on order for good. Everything is drawn from the seed, the library, the record, the copy
and the period, so the same instant always gives the same statuses.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from services.sandbox.catalogue import LibraryCatalogue
from services.sandbox.holdings import NOT_FOR_LOAN, ItemData
from services.sandbox.works import mix

PERIOD = 600
"""Seconds a copy's loan state holds before circulation moves it."""
ON_LOAN = 0.3
LOST = 0.015
WITHDRAWN = 0.01
ON_ORDER = 0.01


def item_id(cat: LibraryCatalogue, index: int, copy: int) -> int:
    """Koha's itemnumber of a copy: unique in the library, stable."""
    return (cat.library.id_start + index) * 10 + copy + 1


def koha_items(cat: LibraryCatalogue, index: int, biblio_id: str, now: datetime
               ) -> list[dict[str, Any]]:
    """The record's copies as Koha's ``GET /biblios/{id}/items`` lists them, at ``now``."""
    return [koha_item(cat, index, copy, data, biblio_id, now)
            for copy, data in enumerate(cat.copies(index))]


def koha_item(cat: LibraryCatalogue, index: int, copy: int, data: ItemData, biblio_id: str,
              now: datetime) -> dict[str, Any]:
    """One copy in the shape of Koha's ``item`` object (the fields a catalogue reads)."""
    fate = random.Random(mix(cat.seed, cat.code, index, copy, 21)).random()
    period = int(now.timestamp()) // PERIOD
    loan = random.Random(mix(cat.seed, cat.code, index, copy, period, 22))
    not_for_loan = 1 if data.status == NOT_FOR_LOAN else (-1 if fate < ON_ORDER else 0)
    lost = int(ON_ORDER <= fate < ON_ORDER + LOST)
    withdrawn = int(ON_ORDER + LOST <= fate < ON_ORDER + LOST + WITHDRAWN)
    on_shelf = not (not_for_loan or lost or withdrawn)
    due = None
    if on_shelf and loan.random() < ON_LOAN:
        start = datetime.fromtimestamp(period * PERIOD, UTC)
        due = (start + timedelta(days=loan.randint(-5, 28))).date().isoformat()
    return {
        "item_id": item_id(cat, index, copy),
        "biblio_id": int(biblio_id) if biblio_id.isdigit() else biblio_id,
        "external_id": data.barcode,
        "callnumber": data.call_number,
        "location": data.location,
        "home_library_id": data.branch,
        "holding_library_id": data.branch,
        "item_type_id": data.doc_type,
        "effective_item_type_id": data.doc_type,
        "not_for_loan_status": not_for_loan,
        "effective_not_for_loan_status": not_for_loan,
        "lost_status": lost,
        "withdrawn": withdrawn,
        "damaged_status": int(fate > 0.97),
        "checked_out_date": due,
        "copy_number": str(copy + 1),
        "public_notes": None,
        "timestamp": now.replace(microsecond=0).isoformat(),
    }
