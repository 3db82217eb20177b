"""Every console route checks roles itself (``requires``): the navigation only hides."""

from __future__ import annotations

#: The sign-in pages are for people not yet signed in.
OPEN = {"console_signin.login", "console_signin.callback", "console_signin.logout",
        "console_signin.signed_out", "console_assets.static"}


def test_every_console_view_requires_a_role(app):
    endpoints = [rule.endpoint for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("console_")]
    assert "console_dashboard.index" in endpoints
    unguarded = [e for e in endpoints if e not in OPEN
                 and not getattr(app.view_functions[e], "console_roles", None)]
    assert unguarded == []
    assert all(rule.rule.startswith(("/admin", "/static/console"))
               for rule in app.url_map.iter_rules() if rule.endpoint.startswith("console_"))
