from __future__ import annotations

import httpx

from tests.admin_web.conftest import log_in


async def test_smoke(panel: httpx.AsyncClient) -> None:
    await log_in(panel, "superadmin")
    for url in ["/", "/members", "/branches", "/staff", "/roles", "/audit", "/account",
                "/branches/new", "/staff/new", "/roles/new", "/api/v1/members", "/openapi.json"]:
        r = await panel.get(url)
        assert r.status_code == 200, (url, r.text[:3000])
