"""The tables of the history store, as SQLAlchemy Core metadata.

Two tables: one row per recorded audit (its results.json kept verbatim with the digest it had when it
was recorded, so a later edit of the stored text is visible), one row per recorded sign-off (the DSSE
envelope verbatim with its digest). The migrations in ``migrations/versions`` create exactly these;
``tests/test_history_store.py`` checks that the two agree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData

AUDITS = "govkit_audits"
SIGNOFFS = "govkit_signoffs"


def build_metadata() -> MetaData:
    """A fresh ``MetaData`` with both tables (built per call: no module-level SQLAlchemy state)."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

    metadata = MetaData()
    Table(
        AUDITS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("created_at", String(40), nullable=False),  # ISO 8601, UTC
        Column("model_name", String(200), nullable=True, index=True),
        Column("model_version", String(200), nullable=True),
        Column("verdict", String(40), nullable=False),
        Column("counts", Text, nullable=False),  # JSON: status -> count
        Column("results", Text, nullable=False),  # results.json exactly as written
        Column("results_sha256", String(64), nullable=False, index=True),
        Column("report_sha256", String(64), nullable=True),
        Column("model_sha256", String(64), nullable=True),
        Column("data_sha256", String(64), nullable=True),
        Column("reference_sha256", String(64), nullable=True),
        Column("policy_sha256", String(64), nullable=True),
        Column("git_commit", String(64), nullable=True),
        Column("engine", String(80), nullable=False),  # govkit version that recorded it
    )
    Table(
        SIGNOFFS,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("audit_id", Integer, ForeignKey(f"{AUDITS}.id"), nullable=False, index=True),
        Column("created_at", String(40), nullable=False),
        Column("envelope", Text, nullable=False),  # the DSSE envelope as JSON
        Column("envelope_sha256", String(64), nullable=False),  # sha256 of that JSON text
        Column("entry_digest", String(64), nullable=False),  # the log entry's digest (sha256 of the payload)
        Column("position", Integer, nullable=True),  # the entry's place in the sign-off log
        Column("signer_name", String(400), nullable=False),
        Column("signer_role", String(400), nullable=False),
        Column("decision", String(40), nullable=False),
        Column("signed_at", String(40), nullable=True),
        # the custom report templates the sign-off was made with (sha256 of the set); None: the bundled ones
        Column("templates_sha256", String(64), nullable=True),
    )
    return metadata
