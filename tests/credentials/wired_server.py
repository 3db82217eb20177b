"""``python -m tests.credentials.wired_server``: ``onegate serve``'s gunicorn with the
credentials blueprints registered, for as long as admin/app.py does not call
credentials.init_app itself."""

from __future__ import annotations

import os


def factory():
    from admin.app import create_app

    app = create_app()
    if "credentials_wallet" not in app.blueprints:
        import credentials

        credentials.init_app(app)
    return app


if __name__ == "__main__":
    from admin import serve

    serve.run(factory, "127.0.0.1", int(os.environ["ONEGATE_PORT"]), 2, 8)
