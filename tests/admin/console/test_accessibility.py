"""Static accessibility checks over every console page a platform administrator sees
(WCAG 2.1: 1.1.1 text alternatives, 1.3.1 labels and table headers, 2.4.1 bypass
blocks, 2.4.2 titles, 3.1.1 language, 4.1.2 names of controls)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from idp.staff import PLATFORM_ADMIN
from tests.admin.console.helpers import staff_client
from tests.idp.accounts.factories import make_person

PAGES = ["/admin/", "/admin/people", "/admin/staff", "/admin/keys", "/admin/audit",
         "/admin/signed-out"]


class Page(HTMLParser):
    """Collects what the checks need."""

    def __init__(self) -> None:
        super().__init__()
        self.ids, self.labels, self.controls, self.images = set(), set(), [], []
        self.h1, self.lang, self.title, self.skip, self.headers = 0, None, "", False, []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "label" and a.get("for"):
            self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden",
                                                                           "submit"):
            self.controls.append(a)
        elif tag == "img":
            self.images.append(a)
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "a" and a.get("href") == "#main":
            self.skip = True
        elif tag == "th":
            self.headers.append(a)

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


@pytest.mark.parametrize("path", PAGES)
def test_console_page_is_accessible(app, unique, path):
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    answer = client.get(path)
    assert answer.status_code == 200
    page = Page()
    page.feed(answer.get_data(as_text=True))
    assert page.lang in ("zh-CN", "en") and page.title.strip() and page.h1 == 1
    assert page.skip and "main" in page.ids
    unlabelled = [c for c in page.controls
                  if c.get("id") not in page.labels and not c.get("aria-label")
                  and c.get("type") != "checkbox"]
    assert unlabelled == []
    assert all(img.get("alt") for img in page.images)
    assert all(th.get("scope") in ("col", "row") for th in page.headers)


def test_person_page_is_accessible(app, unique):
    person = make_person(app, unique)
    client, _ = staff_client(app, [(PLATFORM_ADMIN, "")])
    page = Page()
    page.feed(client.get(f"/admin/people/{person['sub']}").get_data(as_text=True))
    assert page.h1 == 1 and all(c.get("id") in page.labels for c in page.controls)
