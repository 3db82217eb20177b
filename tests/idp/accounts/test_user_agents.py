"""Sessions lists name a browser as people do, never with the raw User-Agent."""

from __future__ import annotations

import pytest

from idp.user_agents import describe, device_name

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")
WECHAT_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.5 Safari/605.1.15")


@pytest.mark.parametrize(("agent", "named"), [
    (CHROME_ANDROID, ("Chrome", "Android")),
    (WECHAT_IPHONE, ("WeChat", "iPhone")),
    (EDGE_WINDOWS, ("Edge", "Windows")),
    (SAFARI_MAC, ("Safari", "macOS")),
    ("curl/8.5.0", (None, None)),
    ("", (None, None)),
    (None, (None, None)),
    ("Chrome/1 \x00 Android", (None, None)),
])
def test_describe(agent, named):
    assert describe(agent) == named


def test_names_in_the_pages_language(app):
    from flask_babel import force_locale

    with app.test_request_context("/"):
        with force_locale("zh_Hans_CN"):
            assert device_name(WECHAT_IPHONE) == "iPhone 上的 微信"
            assert device_name("Mozilla/5.0 (Linux; Android 14) Mobile") == "Android 上的浏览器"
            assert device_name("curl/8.5.0") == "未知浏览器"
        with force_locale("en"):
            assert device_name(CHROME_ANDROID) == "Chrome on Android"
