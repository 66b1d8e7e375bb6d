"""docker-compose.yml and the Dockerfile describe a deployable topology."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_compose_describes_postgres_redis_bot_and_admin() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "bot", "admin", "migrate"} <= services.keys()
    bot_env = services["bot"]["environment"]
    assert bot_env["KOPDANA_BOT_MODE"] == "webhook"
    assert "KOPDANA_WEBHOOK_SECRET" in bot_env
    assert services["bot"]["command"] == ["kopdana", "bot"]
    for name in ("bot", "admin"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_every_path_the_dockerfile_copies_exists() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile, flags=re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), source
