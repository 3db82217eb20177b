"""The console's message catalogue (Simplified Chinese), merged with the provider's
by the app's one Flask-Babel (idp.i18n.init_app), so the console follows the same
language choice as the login pages (``ui_locales``, the kept choice,
Accept-Language, then Chinese)::

    python -m admin.console.i18n extract   # -> admin/console/translations/messages.pot
    python -m admin.console.i18n update    # merge new msgids into the zh_Hans_CN .po
    python -m admin.console.i18n compile   # .po -> .mo (the .mo is committed)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRANSLATIONS = HERE / "translations"
ROOT = HERE.parent.parent
CHINESE = "zh_Hans_CN"


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import main as pybabel

    os.chdir(ROOT)
    sys.argv = ["pybabel", *args]
    pybabel()


COMMANDS = {
    "extract": lambda: _pybabel("extract", "-F", str(HERE / "babel.cfg"), "-k", "_l",
                                "-k", "_pl:1c,2",
                                "-o", "admin/console/translations/messages.pot",
                                "admin/console"),
    "update": lambda: _pybabel("update", "-i", str(TRANSLATIONS / "messages.pot"),
                               "-d", str(TRANSLATIONS), "-l", CHINESE, "--no-fuzzy-matching"),
    "init": lambda: _pybabel("init", "-i", str(TRANSLATIONS / "messages.pot"),
                             "-d", str(TRANSLATIONS), "-l", CHINESE),
    "compile": lambda: _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics"),
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f"usage: python -m admin.console.i18n {{{'|'.join(COMMANDS)}}}")
    COMMANDS[sys.argv[1]]()
