"""One normalisation for the account lookup and the throttle (idp.login_names)."""

import pytest

from idp import accounts
from idp.login_names import canonical_login
from tests.idp.accounts.factories import make_person

PHONE_SPELLINGS = ["13800138000", "+86 138-0013-8000", "008613800138000", "8613800138000",
                   "１３８００１３８０００", "＋８６ １３８－００１３－８０００", "(138) 0013 8000",
                   "\u3000138 0013 8000\u3000"]


@pytest.mark.parametrize("text", PHONE_SPELLINGS)
def test_phone_spellings_are_one_name(text):
    assert str(canonical_login(text)) == "phone:+8613800138000"


def test_case_and_id_number_check_character_are_folded():
    assert canonical_login("ALICE") == canonical_login(" alice ") == canonical_login("ａｌｉｃｅ")
    assert str(canonical_login("44010619900101123x")) == "id_number:44010619900101123X"
    assert canonical_login("４４０１０６１９９００１０１１２３ｘ") == canonical_login(
        "44010619900101123X")


def test_unknown_text_is_normalised_the_same_way():
    assert str(canonical_login("NoSuchPerson")) == "username:nosuchperson"
    assert canonical_login("  ") is None
    assert str(canonical_login("١٣٨٠٠١٣٨٠٠٠")).startswith("username:")  # Arabic-Indic digits


def test_lookup_finds_every_spelling(app, unique):
    person = make_person(app, unique)
    local = person["phone"][3:]
    spellings = [local, f"+86 {local[:3]}-{local[3:7]}-{local[7:]}", "0086" + local,
                 local.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
                 person["id_number"].lower(), person["username"].upper(),
                 person["id_number"].translate(
                     str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))]
    with app.services.sessions() as session:
        found = {text: getattr(accounts.find_by_login(session, text), "sub", None)
                 for text in spellings}
    assert found == dict.fromkeys(spellings, person["sub"])
