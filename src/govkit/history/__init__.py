"""The audit history: every audit and sign-off remembered in a database, read back checked.

``Store(url)`` records audits (``record``) and sign-offs (``record_signoff``) and reads them back
(``get``, ``list``, ``last_approved``, ``diff``). SQLite by default (``.govkit/history.db`` beside
govkit.yaml), PostgreSQL through a SQLAlchemy URL (the ``postgres`` extra). Every record is re-checked
when read: a stored result or sign-off that was altered is flagged and never an approval baseline.
"""

from __future__ import annotations

from govkit.history.engine import DEFAULT_STORE, STORE_CODES, STORE_ENV, StoreError, resolve_url
from govkit.history.records import AuditRecord, SignoffRecord
from govkit.history.store import Store

__all__ = [
    "DEFAULT_STORE",
    "STORE_CODES",
    "STORE_ENV",
    "AuditRecord",
    "SignoffRecord",
    "Store",
    "StoreError",
    "resolve_url",
]
