"""Sign-offs record the digest of the custom report templates they were made with (None: the bundled ones).

Revision ID: r0002
Revises: r0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("govkit_signoffs") as batch:
        batch.add_column(sa.Column("templates_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("govkit_signoffs") as batch:
        batch.drop_column("templates_sha256")
