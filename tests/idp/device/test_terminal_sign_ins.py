"""A sign-in at a hall's self-service terminal (RFC 8628 device code grant) counts as
one sign-in of the terminal's client (idp.sign_in_counts), like a code issued to a
hall's website."""

from __future__ import annotations

from idp.sign_in_counts import china_day, sign_in_counts
from tests.idp.device.helpers import answer, poll, signed_in_phone, start, terminal_client


def test_a_sign_in_at_a_terminal_counts_once_for_its_hall(app, terminal, phone, unique,
                                                          clock):
    """RFC 8628: the terminal's first successful poll is the sign-in; pending polls and
    the replayed device code are not."""
    reg = terminal_client(app, unique)
    body = start(terminal, reg).json
    assert poll(terminal, reg, body["device_code"]).status_code == 400  # pending
    signed_in_phone(app, phone, unique)
    assert answer(phone, body["user_code"], "allow").status_code == 200
    clock.advance(5)
    assert poll(terminal, reg, body["device_code"]).status_code == 200
    clock.advance(5)
    assert poll(terminal, reg, body["device_code"]).status_code == 400  # replayed
    with app.services.sessions() as session:
        counted = sign_in_counts(session, china_day(), [reg["client_id"]])
    assert counted == [(china_day(), reg["client_id"], 1)]
