"""mdstore.v1 GetServerInfo: which server and database answer."""

from __future__ import annotations

from typing import Any

import mdstore
from mdstore.service.dispatch import Service
from mdstore.store.db.migrate import head_revision
from mdstore.wire import v1


def test_get_server_info(caller: Any, service: Service) -> None:
    info = caller.call("GetServerInfo", v1.GetServerInfoRequest())

    assert info.server_version == mdstore.__version__
    assert info.schema_version == head_revision()
    assert info.database_dialect == service.dialect
    assert info.database_dialect in ("sqlite", "mysql", "postgresql")
