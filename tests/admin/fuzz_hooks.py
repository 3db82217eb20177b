"""Schemathesis hooks (loaded through SCHEMATHESIS_HOOKS) for the API fuzz runs.

With ``ONEGATE_FUZZ_CLIENT_ID`` set, every generated request carries a department
system's access token from the client_credentials grant. Tokens expire
(``ONEGATE_ACCESS_TOKEN_TTL``), so the auth provider fetches a fresh one every
``ONEGATE_FUZZ_REFRESH`` seconds; each fetch is counted in ``ONEGATE_FUZZ_TOKEN_LOG``
so the test can see that refreshing happened.
"""

from __future__ import annotations

import os

import requests
import schemathesis

CLIENT_ID = os.environ.get("ONEGATE_FUZZ_CLIENT_ID")


if CLIENT_ID:

    @schemathesis.auth(refresh_interval=int(os.environ.get("ONEGATE_FUZZ_REFRESH", "20")))
    class DepartmentToken:
        """client_credentials access token of a department's issuing system."""

        def get(self, case, ctx) -> str:
            response = requests.post(
                os.environ["ONEGATE_FUZZ_TOKEN_URL"],
                data={"grant_type": "client_credentials",
                      "scope": os.environ["ONEGATE_FUZZ_SCOPE"]},
                auth=(CLIENT_ID, os.environ["ONEGATE_FUZZ_CLIENT_SECRET"]), timeout=30)
            response.raise_for_status()
            with open(os.environ["ONEGATE_FUZZ_TOKEN_LOG"], "a") as log:
                log.write("token\n")
            return response.json()["access_token"]

        def set(self, case, data: str, ctx) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.deserializer("application/jwt")
def compact_jwt(ctx, response) -> str:
    """RFC 7519 section 10.3.1: application/jwt is the compact serialization (a string),
    which the OpenAPI description documents as such. Schemathesis files the media type
    under JSON and would try json.loads on it, so ours is put first in its registry
    (where it also sees the JSON family, which it hands on to json.loads)."""
    media_type = (response.headers.get("content-type") or [""])[0].split(";")[0].strip()
    if media_type.lower() == "application/jwt":
        return response.content.decode("ascii")
    return response.json()


def _first(media_type: str) -> None:
    from schemathesis.core import deserialization

    registry = deserialization._DESERIALIZERS
    ours = registry.pop(media_type)
    rest = dict(registry)
    registry.clear()
    registry[media_type] = ours
    registry.update(rest)


_first("application/jwt")
