"""admin.whole_body: a bounded body known at return goes to the server as one list item;
anything streamed, unsized or over the bound passes through as it was."""

from __future__ import annotations

from werkzeug.test import EnvironBuilder

from admin import whole_body as wb


class Closing:
    def __init__(self, chunks):
        self.chunks, self.closed = chunks, False

    def __iter__(self):
        return iter(self.chunks)

    def close(self):
        self.closed = True


def run(headers, chunks):
    body = Closing(chunks)
    seen = []

    def app(environ, start_response):
        start_response("200 OK", headers)
        return body

    result = wb.whole_body(app, {}, lambda status, hdrs, exc_info=None: seen.append(hdrs))
    return result, body, seen


def test_a_sized_body_is_joined_and_its_iterator_closed():
    result, body, seen = run([("Content-Length", "5")], [b"he", b"llo"])
    assert result == [b"hello"] and isinstance(result, list)
    assert body.closed  # PEP 3333: close() is called
    assert seen == [[("Content-Length", "5")]]


def test_unsized_oversized_and_garbled_lengths_pass_through():
    for headers in ([], [("Content-Length", str(wb.MAX_WHOLE_BODY + 1))],
                    [("Content-Length", "-1")], [("Content-Length", "5x")]):
        result, body, _ = run(headers, [b"x"])
        assert result is body and not body.closed  # the server iterates and closes it


def test_the_app_hands_a_json_answer_over_as_a_list(app):
    environ = EnvironBuilder(path="/oauth/token", method="POST",
                             data={"grant_type": "client_credentials"}).get_environ()
    statuses = []
    result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
    assert isinstance(result, list) and len(result) == 1
    assert statuses[0].startswith("401") and b"invalid_client" in result[0]
