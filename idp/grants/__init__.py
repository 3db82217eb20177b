"""The grants this provider offers: authorization_code (with PKCE S256 and OpenID
Connect), refresh_token (rotating, with reuse detection) and client_credentials."""
