"""The provider's catalogue and the console's are merged into one gettext domain: a
message both use must read the same in both, or one page shows the other's wording
(the console's "Valid" as 有效期 on the wallet, its "Allow" as 授予签发权 on the
device approval page). The console gives its own meaning a context instead
(``pgettext("console", ...)``)."""

from __future__ import annotations

from babel.messages.pofile import read_po

from admin.console.i18n import TRANSLATIONS as CONSOLE
from idp.i18n import TRANSLATIONS as PROVIDER

CATALOGUE = "zh_Hans_CN/LC_MESSAGES/messages.po"


def _read(root):
    with open(root / CATALOGUE, "rb") as handle:
        return read_po(handle)


def test_a_message_in_both_catalogues_reads_the_same():
    provider, console = _read(PROVIDER), _read(CONSOLE)
    clashes = {m.id: (provider.get(m.id, m.context).string, m.string) for m in console
               if m.id and provider.get(m.id, m.context) is not None
               and provider.get(m.id, m.context).string != m.string}
    assert clashes == {}


def test_the_device_approval_and_the_wallet_keep_the_providers_words(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        assert gettext("Allow") == "允许"
        assert gettext("Valid") == "有效"
