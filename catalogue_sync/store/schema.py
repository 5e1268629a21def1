"""The tables of the record store, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from catalogue_sync.errors import StoreError

CHANGE_SEQ = "change_seq"
"""Name of the counters row that hands out change sequence numbers."""


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on both databases.

    SQLite keeps no timezone, so values are stored as naive UTC and made aware again on
    read; a naive value handed in is taken to be UTC already (as OAI-PMH datestamps are).
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


# JSONB on PostgreSQL so a later step can query inside lists; SQL NULL rather than JSON null.
Json = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

metadata = sa.MetaData()

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

harvest_runs = sa.Table(
    "harvest_runs",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("mode", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("counts", Json, nullable=False),
    sa.Column("error", sa.Text),
    sa.Index("ix_harvest_runs_library", "library", "id"),
)

harvest_state = sa.Table(
    "harvest_state",
    metadata,
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("since", sa.Text),  # the connector's own high-water mark, opaque here
    sa.Column("resume", Json),
    sa.Column("run_id", BigId, sa.ForeignKey("harvest_runs.id")),
    sa.Column("last_harvest", UTCDateTime),
    sa.Column("last_error", sa.Text),
)

harvest_fences = sa.Table(
    "harvest_fences",
    metadata,
    # The fencing token of each library's current harvest: a worker's writes carry the token
    # it claimed, and are refused once a newer harvest has claimed a larger one.
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("token", sa.BigInteger, nullable=False),
)

source_records = sa.Table(
    "source_records",
    metadata,
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("local_id", sa.Text, primary_key=True),
    sa.Column("datestamp", UTCDateTime),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("raw_format", sa.String(16), nullable=False),
    sa.Column("checksum", sa.String(64), nullable=False),
    # The normalized fields: scalars as columns, lists as JSON.
    sa.Column("title", sa.Text),
    sa.Column("subtitle", sa.Text),
    sa.Column("year", sa.Integer),
    sa.Column("doc_format", sa.String(32)),
    sa.Column("language", sa.String(16)),
    sa.Column("publisher", sa.Text),
    sa.Column("pages", sa.Integer),
    sa.Column("authors", Json),
    sa.Column("isbns", Json),
    sa.Column("issns", Json),
    sa.Column("other_ids", Json),
    sa.Column("subjects", Json),
    sa.Column("items", Json),
    sa.Column("harvested_at", UTCDateTime, nullable=False),
    # No foreign key to harvest_runs: PostgreSQL would look the run up for every record
    # stored, a cost measured on 500-record pages; runs are never deleted anyway.
    sa.Column("last_seen_run", BigId, nullable=False),
    sa.Column("change_seq", sa.BigInteger, nullable=False),
    # The marc.normalize.NORMALIZER_VERSION that derived the normalized fields; 0: a version
    # before versions were kept (added to an existing store by upgrade_schema).
    sa.Column("normalizer_version", sa.Integer, nullable=False, server_default="0"),
    # The config.NormalizerSettings.digest of the library's settings that derived them; "":
    # not known (stored before digests were kept, or a vendor package's title).
    sa.Column("settings_digest", sa.String(16), nullable=False, server_default=""),
    sa.Index("ix_source_records_library_deleted", "library", "deleted"),
    sa.Index("ix_source_records_change_seq", "change_seq", unique=True),
    # Version first: finding the records an older version derived reads only those.
    sa.Index("ix_source_records_normalizer", "normalizer_version", "library"),
)

renormalize_state = sa.Table(
    "renormalize_state",
    metadata,
    # Each library's renormalization (catalogue_sync/renormalize.py): the version it brings
    # records to, the last record done (its cursor) and its counts so far, committed with
    # each batch, so that one killed resumes after its last batch.
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    # The settings digest it brings them to: a run resumes only to the same version and
    # settings, since records done before the cursor were derived with them.
    sa.Column("settings_digest", sa.String(16), nullable=False, server_default=""),
    sa.Column("after", sa.Text, nullable=False),  # local ids are done in order up to this one
    sa.Column("counts", Json, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("local_id", sa.Text),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("origin", sa.Text, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("run_id", BigId, sa.ForeignKey("harvest_runs.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_quarantine_library_local_id", "library", "local_id"),
)


# The union catalogue (catalogue_sync/merge/): what each source record looks like to the
# matcher, which merged record holds it and why, the merged records and librarians' fixes.

match_profiles = sa.Table(
    "match_profiles",
    metadata,
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("local_id", sa.Text, primary_key=True),
    sa.Column("profile", Json, nullable=False),  # the match keys, as explain shows them
    sa.Column("work", sa.Text, nullable=False),
)

match_keys = sa.Table(
    "match_keys",
    metadata,
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("local_id", sa.Text, primary_key=True),
    sa.Index("ix_match_keys_record", "library", "local_id"),
)

cluster_members = sa.Table(
    "cluster_members",
    metadata,
    sa.Column("library", sa.String(64), primary_key=True),
    sa.Column("local_id", sa.Text, primary_key=True),
    sa.Column("merged_id", sa.String(40), nullable=False),
    # The connected component of the match graph the record is in (its first member), which
    # may hold several merged records where the rules' evidence conflicts.
    sa.Column("component", sa.Text, nullable=False),
    # The edge that joined this record to its cluster: the rule, why, and to which member.
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("linked_library", sa.String(64)),
    sa.Column("linked_record", sa.Text),
    sa.Index("ix_cluster_members_merged_id", "merged_id"),
    sa.Index("ix_cluster_members_component", "component"),
)

merged_records = sa.Table(
    "merged_records",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("work", sa.Text, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False),
    sa.Column("replaced_by", sa.String(40)),  # where a vanished merged record's links go
    sa.Column("display", Json),
    sa.Column("member_count", sa.Integer, nullable=False),
    sa.Column("change_seq", sa.BigInteger, nullable=False),  # for the search index and OAI
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_merged_records_work", "work"),
    sa.Index("ix_merged_records_change_seq", "change_seq", unique=True),
)

merge_corrections = sa.Table(
    "merge_corrections",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("kind", sa.String(8), nullable=False),  # "split" or "join"
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("local_id", sa.Text, nullable=False),
    sa.Column("other_library", sa.String(64)),
    sa.Column("other_local_id", sa.Text),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_merge_corrections_record", "library", "local_id"),
    sa.Index("ix_merge_corrections_other", "other_library", "other_local_id"),
)


# The OAI-PMH provider (catalogue_sync/export/oai/). Lists run in datestamp order, a page at
# a time from the last (datestamp, id) sent, so each page is one index range scan.
sa.Index("ix_merged_records_updated_at", merged_records.c.updated_at, merged_records.c.id)

oai_set_records = sa.Table(
    "oai_set_records",
    metadata,
    # One row per library and merged record that has ever held one of its records: the
    # OAI set of the library, with the records that left it, so a harvester of the set
    # learns they did (they are answered as deleted in that set).
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("merged_id", sa.String(40), nullable=False),
    sa.Column("present", sa.Boolean, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),  # the datestamp in this set
    # Merged id first: bringing the sets up to date looks rows up by merged record.
    sa.PrimaryKeyConstraint("merged_id", "library"),
    sa.Index("ix_oai_set_records_list", "library", "updated_at", "merged_id"),
)



# The resource gateway's vendors' API (catalogue_sync/gateway/vendors.py). None of these
# tables holds a card number, a PIN, a name, a birth date or a client address.

vendor_keys = sa.Table(
    "vendor_keys",
    metadata,
    sa.Column("id", sa.String(16), primary_key=True),  # public: the key's name in logs
    sa.Column("vendor", sa.String(64), nullable=False),
    sa.Column("label", sa.Text, nullable=False),
    sa.Column("secret_sha256", sa.String(64), nullable=False),  # never the secret itself
    sa.Column("per_minute", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_used_at", UTCDateTime),
    sa.Column("revoked_at", UTCDateTime),
    sa.Index("ix_vendor_keys_vendor", "vendor"),
)

vendor_patrons = sa.Table(
    "vendor_patrons",
    metadata,
    # Who a vendor's pseudonym stands for, as far as entitlements go: the home library and
    # category the patron had when last signed in before opening one of its resources.
    sa.Column("vendor", sa.String(64), primary_key=True),
    sa.Column("pseudonym", sa.String(40), primary_key=True),
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("verified_at", UTCDateTime, nullable=False),
)

vendor_api_audit = sa.Table(
    "vendor_api_audit",
    metadata,
    # One row per call of /api/v1: who (vendor, key), what (endpoint), how it ended. Not
    # the pseudonym asked about, not the caller's address.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("vendor", sa.String(64)),  # NULL: no valid key was presented
    sa.Column("key_id", sa.String(16)),
    sa.Column("endpoint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(32), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Index("ix_vendor_api_audit_vendor_at", "vendor", "at"),
)

usage_events = sa.Table(
    "usage_events",
    metadata,
    # One row per resource opened, for statistics: the hour, never the minute; the session
    # as a salted hash, so that visits can be counted but not followed back to a patron.
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("hour", UTCDateTime, nullable=False),
    sa.Column("resource", sa.String(64), nullable=False),
    sa.Column("library", sa.String(64), nullable=False),
    sa.Column("category", sa.String(16), nullable=False),
    sa.Column("session_hash", sa.String(64), nullable=False),
    sa.Index("ix_usage_events_hour", "hour", "resource"),
)


def create_all(connection: sa.Connection) -> None:
    """Create missing tables and the change counter, and bring existing tables up to date
    (``upgrade_tables``)."""
    metadata.create_all(connection, checkfirst=True)
    upgrade_tables(connection)
    # DO NOTHING: two processes may create the schema at the same time.
    first = dialect_insert(connection, counters).values(name=CHANGE_SEQ, value=0)
    connection.execute(first.on_conflict_do_nothing(index_elements=["name"]))


def upgrade_tables(connection: sa.Connection) -> None:
    """Add to tables made by an older version the columns and indexes they lack.

    The store's only migration: columns are only ever added, nullable or with a server
    default (existing rows take it), and indexes only added. Both statements say IF NOT
    EXISTS on PostgreSQL, where two processes may upgrade at once; SQLite runs this under
    its write lock (``create_schema``).
    """
    inspector = sa.inspect(connection)
    for table in metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                _add_column(connection, table, column)
        indexes = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if index.name not in indexes:
                connection.execute(sa.schema.CreateIndex(index, if_not_exists=True))


def _add_column(connection: sa.Connection, table: sa.Table, column: sa.Column[Any]) -> None:
    if not column.nullable and column.server_default is None:
        raise StoreError(f"the store's table {table.name} lacks the column {column.name}, "
                         "which cannot be added to existing rows (no default): this release "
                         "needs a migration its notes describe")
    spec = sa.schema.CreateColumn(column).compile(dialect=connection.dialect)
    guard = " IF NOT EXISTS" if connection.dialect.name == "postgresql" else ""
    preparer = connection.dialect.identifier_preparer
    connection.exec_driver_sql(
        f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN{guard} {spec}")


def dialect_insert(connection: sa.Connection, table: sa.Table) -> sqlite.Insert | postgresql.Insert:
    """An INSERT that knows ON CONFLICT in the connection's own dialect."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
