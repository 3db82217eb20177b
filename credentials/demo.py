"""Demo catalogue: four Guangdong departments and five realistic licence types.

Idempotent: rows that exist are left alone, so ``make run`` may call it every time.
Credit codes are built with the GB 32100 check character, never typed by hand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

import keys
from credentials import catalogue
from credentials.catalogue import TypeSpec
from identifiers import uscc_check_character

ID_NUMBER = {"type": "string", "pattern": "^[0-9]{17}[0-9X]$"}
DATE = {"type": "string", "format": "date"}


def uscc(first17: str) -> str:
    return first17 + uscc_check_character(first17)


# Defining bodies (national ministries) whose credit codes prefix the type codes.
SAMR = uscc("11100000MB0143028")       # 国家市场监督管理总局
MOHURD = uscc("11100000000019000")     # 住房和城乡建设部
MCA = uscc("11100000000013370")        # 民政部
NHC = uscc("11100000MB1653120")        # 国家卫生健康委员会

DEPARTMENTS = (
    ("gdamr", "广东省市场监督管理局", uscc("11440000MB2C92125")),
    ("gdzjt", "广东省住房和城乡建设厅", uscc("11440000006940127")),
    ("gdmzt", "广东省民政厅", uscc("11440000006939872")),
    ("gdwjw", "广东省卫生健康委员会", uscc("11440000MB2C07538")),
)


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
            "properties": properties, "required": required, "additionalProperties": False}


def _text(title: str, max_length: int = 200, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "minLength": 1, "maxLength": max_length, **extra}


BUSINESS_LICENCE = TypeSpec(
    code=SAMR + "001", name_zh="营业执照", name_en="Business licence", departments=["gdamr"],
    holder_kind="enterprise", validity_days=365 * 30,
    json_schema=_schema({
        "entity_type": _text("类型", 60),
        "legal_representative": _text("法定代表人", 50),
        "registered_capital": _text("注册资本", 60),
        "established": {**DATE, "title": "成立日期"},
        "business_term": _text("营业期限", 60),
        "address": _text("住所", 200),
        "business_scope": _text("经营范围", 2000),
        "registration_authority": _text("登记机关", 100),
    }, ["entity_type", "legal_representative", "established", "address", "business_scope",
        "registration_authority"]),
    always_disclosed=["holder_name", "holder_id", "entity_type", "legal_representative",
                      "established", "registration_authority"],
    disclosable=["registered_capital", "business_term", "address", "business_scope"],
    offline_claims=["entity_type", "legal_representative", "established"])

FOOD_PERMIT = TypeSpec(
    code=SAMR + "014", name_zh="食品经营许可证", name_en="Food business permit",
    departments=["gdamr"], holder_kind="enterprise", validity_days=365 * 5,
    json_schema=_schema({
        "permit_number": _text("许可证编号", 16, pattern="^JY[0-9]{14}$"),
        "legal_representative": _text("法定代表人（负责人）", 50),
        "address": _text("住所", 200),
        "business_premises": _text("经营场所", 200),
        "main_business_format": _text("主体业态", 60),
        "business_items": {"type": "array", "title": "经营项目", "maxItems": 20,
                           "items": _text("经营项目", 100)},
        "daily_supervisor": _text("日常监督管理机构", 100),
        "complaint_hotline": _text("投诉举报电话", 20),
    }, ["permit_number", "legal_representative", "business_premises", "main_business_format",
        "business_items"]),
    always_disclosed=["holder_name", "holder_id", "permit_number", "main_business_format",
                      "business_premises"],
    disclosable=["legal_representative", "address", "business_items", "daily_supervisor",
                 "complaint_hotline"],
    offline_claims=["permit_number", "main_business_format"])

CONSTRUCTION_PERMIT = TypeSpec(
    code=MOHURD + "003", name_zh="建筑工程施工许可证", name_en="Construction permit",
    departments=["gdzjt"], holder_kind="enterprise", validity_days=365 * 3,
    json_schema=_schema({
        "permit_number": _text("编号", 18, pattern="^[0-9]{18}$"),
        "project_name": _text("工程名称", 200),
        "construction_address": _text("建设地址", 200),
        "construction_scale": _text("建设规模", 100),
        "contract_price_wan_yuan": {"type": "number", "title": "合同价格（万元）", "minimum": 0},
        "survey_unit": _text("勘察单位", 200),
        "design_unit": _text("设计单位", 200),
        "construction_unit": _text("施工单位", 200),
        "supervision_unit": _text("监理单位", 200),
        "contract_duration_days": {"type": "integer", "title": "合同工期（天）", "minimum": 1},
    }, ["permit_number", "project_name", "construction_address", "construction_unit"]),
    always_disclosed=["holder_name", "holder_id", "permit_number", "project_name",
                      "construction_address"],
    disclosable=["construction_scale", "contract_price_wan_yuan", "survey_unit", "design_unit",
                 "construction_unit", "supervision_unit", "contract_duration_days"],
    offline_claims=["permit_number"])

MARRIAGE_CERTIFICATE = TypeSpec(
    code=MCA + "002", name_zh="结婚证", name_en="Marriage certificate", departments=["gdmzt"],
    holder_kind="person", validity_days=365 * 100,
    json_schema=_schema({
        "certificate_number": _text("结婚证字号", 20, pattern="^J[0-9]{6}-[0-9]{4}-[0-9]{6}$"),
        "registration_date": {**DATE, "title": "登记日期"},
        "spouse_name": _text("配偶姓名", 50),
        "spouse_id_number": {**ID_NUMBER, "title": "配偶身份证件号"},
        "holder_nationality": _text("持证人国籍", 30),
        "spouse_nationality": _text("配偶国籍", 30),
        "registration_authority": _text("登记机关", 100),
    }, ["certificate_number", "registration_date", "spouse_name", "registration_authority"]),
    always_disclosed=["holder_name", "certificate_number", "registration_date",
                      "registration_authority"],
    disclosable=["holder_id", "spouse_name", "spouse_id_number", "holder_nationality",
                 "spouse_nationality"],
    offline_claims=["certificate_number", "registration_date"])

BIRTH_CERTIFICATE = TypeSpec(
    code=NHC + "005", name_zh="出生医学证明", name_en="Birth medical certificate",
    departments=["gdwjw"], holder_kind="person", validity_days=365 * 100,
    json_schema=_schema({
        "certificate_number": _text("出生医学证明编号", 10, pattern="^[A-Z][0-9]{9}$"),
        "sex": {"type": "string", "title": "性别", "enum": ["男", "女"]},
        "birth_time": {"type": "string", "format": "date-time", "title": "出生时间"},
        "birth_place": _text("出生地点", 200),
        "gestational_weeks": {"type": "integer", "title": "出生孕周", "minimum": 20,
                              "maximum": 45},
        "weight_g": {"type": "integer", "title": "体重（克）", "minimum": 300, "maximum": 7000},
        "height_cm": {"type": "number", "title": "身长（厘米）", "minimum": 20, "maximum": 70},
        "mother_name": _text("母亲姓名", 50),
        "mother_id_number": {**ID_NUMBER, "title": "母亲有效身份证件号码"},
        "father_name": _text("父亲姓名", 50),
        "father_id_number": {**ID_NUMBER, "title": "父亲有效身份证件号码"},
        "institution": _text("接生机构名称", 200),
    }, ["certificate_number", "sex", "birth_time", "birth_place", "mother_name",
        "institution"]),
    always_disclosed=["holder_name", "certificate_number", "sex", "birth_time"],
    disclosable=["holder_id", "birth_place", "gestational_weeks", "weight_g", "height_cm",
                 "mother_name", "mother_id_number", "father_name", "father_id_number",
                 "institution"],
    offline_claims=["certificate_number", "sex", "birth_time"])

TYPES = (BUSINESS_LICENCE, FOOD_PERMIT, CONSTRUCTION_PERMIT, MARRIAGE_CERTIFICATE,
         BIRTH_CERTIFICATE)


def load(session_factory: sessionmaker[Session], keyring: Any, issuer: str) -> list[str]:
    """Create what is missing of the demo catalogue; return lines to print."""
    lines = []
    with session_factory.begin() as session:
        for code, name, credit_code in DEPARTMENTS:
            if catalogue.get_department_or_none(session, code) is None:
                catalogue.add_department(session, code=code, name=name, uscc=credit_code)
            lines.append(f"department {code} {name}: {issuer}/issuers/{code}")
        for spec in TYPES:
            if catalogue.get_type(session, spec.code) is None:
                catalogue.add_type(session, spec)
            lines.append(f"licence type {spec.code} {spec.name_zh}: {issuer}/types/{spec.code}")
    # After the commit: the key ring writes through its own sessions.
    for code, _, _ in DEPARTMENTS:
        keyring.ensure(keys.department(code), catalogue.SIGNING_ALG)
    return lines
