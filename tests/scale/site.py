"""The deployment under test: the README's steps with test values, its people, and who lands where.

Who lands where: nginx's ip_hash keys on the first three octets of the client's IPv4 address, and
every 127.x.y.z is this machine, so the setup finds a source address that nginx sends to the other
instance than 127.0.0.1's (nginx's access log names the instance). Instance A is the one 127.0.0.1
lands on; the people on B send from that other address. Nobody talks to an instance directly.
"""
from __future__ import annotations

import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from media.storage import S3Storage
from tests.scale.clients import session_from
from tests.scale.deployment import Deployment, deployed
from tests.services import postgres_schema
from tests.webinar.live_world import LiveWorld
from webinar import create_app
from webinar.extensions import socketio

A_ADDRESS = "127.0.0.1"


@dataclass
class Site:
    """The deployment, the people and course in its database, and the address that lands on B."""

    deployment: Deployment
    world: LiveWorld
    a: str  # host:port of instance A (127.0.0.1's), and B
    b: str
    b_address: str

    @property
    def base(self) -> str:
        return self.deployment.front.base


def landing(site_base: str, deployment: Deployment, address: str) -> str:
    """The instance nginx sends a client from address to."""
    probe = f"/login?probe={uuid.uuid4().hex}"
    with session_from(address, site_base) as session:
        assert session.get(site_base + probe).status_code == 200
    return deployment.front.upstream_of(probe)


def other_address(deployment: Deployment, a: str) -> tuple[str, str]:
    """A source address whose /24 nginx sends to the other instance, and that instance."""
    for third in range(1, 40):
        address = f"127.0.{third}.1"
        landed = landing(deployment.front.base, deployment, address)
        if landed != a:
            return address, landed
    raise AssertionError("ip_hash sent 40 networks to one instance")


def requests_of(site: Site, address: str, prefix: str) -> list[list[str]]:
    """nginx's access-log lines [client, uri, instance, status] of address for URIs under prefix."""
    lines = [ln.split() for ln in (site.deployment.front.prefix / "access.log").read_text().splitlines()]
    return [ln for ln in lines if ln[0] == address and ln[1].startswith(prefix)]


def settings_for(db_url: str, redis_url: str, moto_endpoint: str, bucket: str) -> tuple[dict, dict]:
    """The values replacing the README's addresses and secrets, and the few settings it does not name."""
    tag = bucket.removeprefix("aralyk-")
    values = {
        "ARALYK_SQLALCHEMY_DATABASE_URI": db_url, "ARALYK_REDIS_URL": redis_url, "ARALYK_S3_BUCKET": bucket,
        "ARALYK_S3_ENDPOINT_URL": moto_endpoint, "ARALYK_S3_ACCESS_KEY": "testing",
        "ARALYK_S3_SECRET_KEY": "testing", "ARALYK_SECRET_KEY": f"scale-{tag}",
    }
    extra = {  # a Redis shared with other tests, fast hashing, a short login limit to test it
        "ARALYK_HUEY_NAME": f"scale-{tag}", "ARALYK_SOCKETIO_CHANNEL": f"scale-{tag}",
        "ARALYK_RATELIMIT_KEY_PREFIX": f"scale-{tag}", "ARALYK_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "ARALYK_LOGIN_RATE_LIMIT": "5 per minute", "ARALYK_REAPER_INTERVAL_SECONDS": "2",
    }
    return values, extra


@contextmanager
def running_site(tmp: Path, moto_endpoint: str, postgres_base_url: str, redis_url: str) -> Iterator[Site]:
    """The README's deployment with test values, populated with the webinar world's people."""
    bucket = f"aralyk-{uuid.uuid4().hex[:8]}"
    S3Storage(bucket, endpoint_url=moto_endpoint, access_key="testing", secret_key="testing").ensure_bucket()
    with postgres_schema(postgres_base_url) as db_url:
        values, extra = settings_for(db_url, redis_url, moto_endpoint, bucket)
        with deployed(values, extra, tmp) as deployment, pytest.MonkeyPatch.context() as env:
            for trusting in ("REQUESTS_CA_BUNDLE", "WEBSOCKET_CLIENT_CA_BUNDLE"):  # requests, tuspy; websocket-client
                env.setenv(trusting, str(deployment.front.ca))
            first = socketio.server
            app = create_app(deployment.config())  # reads and fills the database; serves nothing
            try:
                world = LiveWorld(app, deployment.front.base)
                world.populate()
                a = landing(deployment.front.base, deployment, A_ADDRESS)
                b_address, b = other_address(deployment, a)
                assert {f"http://{a}", f"http://{b}"} == set(deployment.webs)
                try:
                    yield Site(deployment, world, a, b, b_address)
                finally:
                    world.close()
            finally:
                socketio.server = first
