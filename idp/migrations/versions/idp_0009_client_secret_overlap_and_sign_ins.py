"""idp: a client's previous secret during a rotation's overlap window, the time of its
last change, and successful sign-ins per client and day.

Existing clients get ``updated_at = created_at`` and no previous secret (no window
open). The sign-in table starts empty: counting begins with this revision.

Revision ID: idp_0009
Revises: idp_0011
"""

import sqlalchemy as sa
from alembic import op

from edge.timestamps import UtcDateTime

revision = "idp_0009"
down_revision = "idp_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("oauth_clients") as batch:
        batch.add_column(sa.Column("previous_secret_hash", sa.String(128), nullable=True))
        batch.add_column(sa.Column("previous_secret_expires_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("updated_at", UtcDateTime(), nullable=True))
    clients = sa.table("oauth_clients", sa.column("created_at", UtcDateTime()),
                       sa.column("updated_at", UtcDateTime()))
    op.execute(clients.update().values(updated_at=clients.c.created_at))
    op.create_table(
        "idp_client_sign_ins",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "client_id", name=op.f("pk_idp_client_sign_ins")),
    )


def downgrade() -> None:
    op.drop_table("idp_client_sign_ins")
    with op.batch_alter_table("oauth_clients") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("previous_secret_expires_at")
        batch.drop_column("previous_secret_hash")
