"""What the reliability tests drive: a department system with a client_credentials
client that may issue one licence type, and the requests they send a live server."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import requests

from tests.credentials.helpers import Department, make_department


@dataclass
class World:
    dept: Department
    client_id: str
    secret: str

    @property
    def scope(self) -> str:
        return f"licenses:issue:{self.dept.type_code}"

    def basic(self) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def make_world(app, unique: str) -> World:
    """A department, its licence type and its system registered as an OAuth client."""
    from idp.clients_cli import NewClient, create
    from tests.idp.services import idp_services

    dept = make_department(app, unique)
    with app.app_context(), app.services.sessions.begin() as session:
        _, secret = create(session, NewClient(
            name=f"Dept system {unique}", client_id=dept.client_id,
            grant_types=["client_credentials"], scopes=[f"licenses:issue:{dept.type_code}"]),
            idp_services(app).client_secrets)
    return World(dept, dept.client_id, secret)


def token(http: requests.Session, base: str, world: World) -> requests.Response:
    return http.post(base + "/oauth/token", headers=world.basic(), timeout=30,
                     data={"grant_type": "client_credentials", "scope": world.scope})


def issue(http: requests.Session, base: str, world: World, access_token: str
          ) -> requests.Response:
    return http.post(base + "/api/v1/licenses", json=world.dept.body(), timeout=30,
                     headers={"Authorization": f"Bearer {access_token}"})


def verify(http: requests.Session, base: str, credential: str) -> requests.Response:
    return http.post(base + "/api/v1/verify", json={"credential": credential}, timeout=30)
