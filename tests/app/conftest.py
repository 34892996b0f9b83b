"""Each app test gets a workspace store of its own (a SQLite file under tmp_path), so runs trained by one test are
never reused by another, and every job a test started is stopped when it ends."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def own_store(tmp_path, monkeypatch):
    monkeypatch.setenv("AELAB_HOME", str(tmp_path / "aelab"))
    yield
    from appkit import workspace

    workspace.close_all()
