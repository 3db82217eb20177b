from idp.i18n import match_locale


def test_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "用户名、身份证号或手机号" in page
    assert '<label for="password">密码</label>' in page


def test_english_with_ui_locales_sticks_for_the_flow(client):
    page = client.get("/login", query_string={"ui_locales": "en-US zh-CN"})
    assert '<html lang="en">' in page.get_data(as_text=True)
    assert "Username, ID number or mobile number" in page.get_data(as_text=True)
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)


def test_english_by_accept_language(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Password" in page.get_data(as_text=True)
    zh = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert "密码" in zh.get_data(as_text=True)


def test_match_locale():
    assert match_locale("fr en") == "en"
    assert match_locale("zh-Hans-CN") == "zh_Hans_CN"
    assert match_locale("fr") is None


def test_pages_are_accessible_and_csp_clean(client):
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert "<script" not in html and "style=" not in html and "<style" not in html
    assert 'href="#main"' in html and 'id="main"' in html
    for field in ("login", "password"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_compiled_catalogue_is_up_to_date():
    """The committed .mo carries every translation of the .po (run
    ``python -m idp.i18n compile`` after editing messages.po)."""
    import gettext

    from babel.messages.pofile import read_po

    from idp.i18n import TRANSLATIONS

    folder = TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    with open(folder / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = [m.id for m in catalogue if m.id and m.string and isinstance(m.id, str)
             and compiled.gettext(m.id) != m.string]
    assert stale == []
