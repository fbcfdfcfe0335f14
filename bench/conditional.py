"""The `list-304` scenario's header: the list page's current ETag, read from the server
just before the scenario runs, sent back as `If-None-Match` by every request (a client
revalidating its copy: common.conditional answers 304 without rendering the page)."""

from __future__ import annotations

import sys
from typing import Any


def revalidation_headers(server: Any, path: str, token: str) -> dict[str, str]:
    connection_headers = {"Authorization": f"Bearer {token}"}
    status, etag = server.etag(path, headers=connection_headers)
    if status != 200 or not etag:
        sys.exit(f"no ETag for {path} ({status}): the list-304 scenario needs one")
    return {"If-None-Match": etag}
