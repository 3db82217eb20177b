"""What every HTTP-facing package needs at its edge, written once in the lowest layer
that idp, credentials, verify and audit may all import:

- ``edge.unit_of_work``: one database transaction per request (or CLI command, or job);
- ``edge.bearer``: reading a bearer token from a request (RFC 6750 section 2);
- ``edge.access_tokens``: validating the provider's JWT access tokens (RFC 9068);
- ``edge.timestamps``: aware UTC timestamps in every package's tables;
- ``edge.published``: published documents (JWKS, discovery, trust list, status lists)
  built once and served with an ETag.

It imports no other package of ours and no Flask: the composition root (admin) and
each package's own views use it.
"""
