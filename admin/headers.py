"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self' {forms}")


HSTS = "max-age=31536000; includeSubDomains"


def security_headers(secure: bool) -> list[tuple[str, str]]:
    """The headers ``init_app`` adds to a response that set none of them and names no
    form action (what admin.published's fast path sends), in the same order."""
    found = [("Content-Security-Policy", CSP.format(forms="").strip()),
             ("X-Frame-Options", "DENY"), ("X-Content-Type-Options", "nosniff"),
             ("Referrer-Policy", "no-referrer"), ("Cross-Origin-Opener-Policy", "same-origin")]
    return found + [("Strict-Transport-Security", HSTS)] if secure else found


def init_app(app: Flask) -> None:
    """Add CSP (no inline scripts), framing, referrer and HSTS headers."""

    @app.after_request
    def _headers(response: Response) -> Response:
        # Form posts after login go on to registered halls' redirect URIs.
        forms = " ".join(response.headers.pop("X-Onegate-Form-Action", "").split())
        response.headers.setdefault("Content-Security-Policy", CSP.format(forms=forms).strip())
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
