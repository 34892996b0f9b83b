"""The workspace store: a learner's workspaces, runs, epochs, weights, uploads and quiz answers in SQL through
SQLAlchemy — a SQLite file under AELAB_HOME by default, PostgreSQL when AELAB_DATABASE_URL is set, one code path
for both, its schema versioned by ordered migrations (schema.py). No Streamlit here."""
from __future__ import annotations

import sqlalchemy as sa

from aelib.store.belongings import UPLOAD_QUOTA, Quiz, Uploads
from aelib.store.engine import Db, database_url, home, make_engine
from aelib.store.records import Claim, LeaseLost, Run, Status, identity_of, is_id
from aelib.store.schema import LATEST, StoreTooNew, StoreUnavailable, upgrade
from aelib.store.store import LEASE_SECONDS, Store, retention_days

__all__ = ["LATEST", "LEASE_SECONDS", "UPLOAD_QUOTA", "Claim", "LeaseLost", "Quiz", "Run", "Status", "Store",
           "StoreTooNew", "StoreUnavailable", "Uploads", "database_url", "home", "identity_of", "is_id", "open_store",
           "retention_days", "upgrade"]


def open_store(url: str | None = None) -> Store:
    """The store at url (default: database_url(), from the environment), created or upgraded to the newest schema.
    StoreUnavailable when the database cannot be reached or was written by a newer AE Lab (StoreTooNew)."""
    url = url or database_url()
    engine = make_engine(url)
    try:
        upgrade(engine)
    except sa.exc.OperationalError as err:
        engine.dispose()
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailable(f"the store at {where} cannot be reached: {str(err.orig).strip()}") from err
    except Exception:
        engine.dispose()
        raise
    return Store(Db(engine))
