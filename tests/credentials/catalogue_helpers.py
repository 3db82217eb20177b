"""Type definitions, a second department and the calls the catalogue lifecycle tests
share."""

from __future__ import annotations

import copy

from credentials import catalogue, type_lifecycle
from tests.credentials.helpers import TEST_SCHEMA, Department, uscc

ACTOR = "operator:tester"


def definition(**changes) -> dict:
    """The test type's definition (helpers.make_department) as a JSON object."""
    schema = copy.deepcopy(TEST_SCHEMA)
    schema["properties"]["permit_number"]["examples"] = ["TP000001"]
    values = {"name_zh": "测试许可证", "name_en": "Test permit", "holder_kind": "person",
              "validity_days": 365, "json_schema": schema,
              "always_disclosed": ["holder_name", "permit_number", "category"],
              "disclosable": ["holder_id", "address", "note"],
              "offline_claims": ["permit_number", "category"]}
    values.update(changes)
    return values


def without_note() -> dict:
    """Version 2 of the test type: the ``note`` claim removed, the address always shown."""
    values = definition(always_disclosed=["holder_name", "permit_number", "category",
                                          "address"], disclosable=["holder_id"])
    del values["json_schema"]["properties"]["note"]
    values.pop("holder_kind")
    return values


def add_version(app, code: str, values: dict):
    with app.app_context(), app.services.sessions.begin() as session:
        added = type_lifecycle.add_version(session, code, values, actor=ACTOR)
    app.credentials_services.catalogue_changed(code)
    return added


def change(app, code: str, work) -> None:
    """``work(session)`` committed, then the app told the type changed."""
    with app.app_context(), app.services.sessions.begin() as session:
        work(session)
    app.credentials_services.catalogue_changed(code)


def second_department(app, unique: str, dept: Department) -> Department:
    """Another department, with a client, allowed to issue ``dept``'s type."""
    code = f"u{unique}"
    catalogue.create_department(app.services.sessions, app.services.keyring, code=code,
                                name=f"第二厅 {unique}", uscc=uscc())
    client_id = f"sys2-{unique}"
    with app.app_context(), app.services.sessions.begin() as session:
        catalogue.add_client(session, code, client_id)
        type_lifecycle.allow(session, dept.type_code, code, actor=ACTOR)
    app.credentials_services.catalogue_changed(dept.type_code)
    return Department(code, "", dept.type_code, client_id)
