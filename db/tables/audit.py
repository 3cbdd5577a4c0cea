"""The audit trail: one append-only row per audited action, and the sealer's chained digests.

A trigger in the constraints migration refuses UPDATE, DELETE and TRUNCATE unless run by the table owner.
"""

from piccolo.columns import JSONB, UUID, BigInt, BigSerial, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.tables.users import User


class AuditLog(Table, tablename="audit_log"):
    id = UUID(primary_key=True)
    # Insertion order for the sealer. Sequence values are taken before commit, so a
    # lower seq may become visible after a higher one; txid lets the sealer wait for
    # transactions still in flight before sealing past them.
    seq = BigSerial(unique=True)
    txid = BigInt(null=True, default=None)
    user_id = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict, index=True)
    action = Varchar(length=200, default=None)
    table_name = Varchar(length=100, null=True, default=None)
    record_id = Varchar(length=100, null=True, default=None)
    old_values = JSONB(null=True, default=None)
    new_values = JSONB(null=True, default=None)
    ip_address = Varchar(length=45, null=True, default=None)
    user_agent = Text(null=True, default=None)
    created_at = Timestamptz()


class AuditSeal(Table, tablename="audit_seals"):
    """Chained digest over the audit rows of transactions with txid in [previous_horizon_txid, horizon_txid).

    Every transaction below the horizon had ended when the seal was made, so no row can appear in a
    sealed range later. row_digests keeps [seq, sha256] per row so a check can name the row that changed.
    """

    id = UUID(primary_key=True)
    previous_horizon_txid = BigInt(default=None)
    horizon_txid = BigInt(default=None, unique=True)
    row_count = Integer(default=None)
    row_digests = JSONB(default="[]")
    digest = Varchar(length=64, default=None)
    previous_digest = Varchar(length=64, default=None)
    sealed_at = Timestamptz()
