"""The first schema: audits and their sign-offs.

Revision ID: r0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "govkit_audits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=True),
        sa.Column("model_version", sa.String(200), nullable=True),
        sa.Column("verdict", sa.String(40), nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
        sa.Column("results", sa.Text, nullable=False),
        sa.Column("results_sha256", sa.String(64), nullable=False),
        sa.Column("report_sha256", sa.String(64), nullable=True),
        sa.Column("model_sha256", sa.String(64), nullable=True),
        sa.Column("data_sha256", sa.String(64), nullable=True),
        sa.Column("reference_sha256", sa.String(64), nullable=True),
        sa.Column("policy_sha256", sa.String(64), nullable=True),
        sa.Column("git_commit", sa.String(64), nullable=True),
        sa.Column("engine", sa.String(80), nullable=False),
    )
    op.create_index("ix_govkit_audits_model_name", "govkit_audits", ["model_name"])
    op.create_index("ix_govkit_audits_results_sha256", "govkit_audits", ["results_sha256"])
    op.create_table(
        "govkit_signoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("audit_id", sa.Integer, sa.ForeignKey("govkit_audits.id"), nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("envelope", sa.Text, nullable=False),
        sa.Column("envelope_sha256", sa.String(64), nullable=False),
        sa.Column("entry_digest", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=True),
        sa.Column("signer_name", sa.String(400), nullable=False),
        sa.Column("signer_role", sa.String(400), nullable=False),
        sa.Column("decision", sa.String(40), nullable=False),
        sa.Column("signed_at", sa.String(40), nullable=True),
    )
    op.create_index("ix_govkit_signoffs_audit_id", "govkit_signoffs", ["audit_id"])


def downgrade() -> None:
    op.drop_table("govkit_signoffs")
    op.drop_table("govkit_audits")
