"""Trust list, offline bundle and `onegate verify` with no network, on the corpus."""

from __future__ import annotations

import json

import jwt
import pytest
from click.testing import CliRunner

from credentials.formats import qr_image
from tests.verify.corpus import CASES, IDX_REVOKED, IDX_SUSPENDED, IDX_VALID, ISSUER, STATUS_URI
from verify import bundle as bundles
from verify.cli import verify_command


def _provider_key(app, token):
    kid = jwt.get_unverified_header(token)["kid"]
    return app.services.keyring.public_key(kid)


def test_trust_list_is_a_signed_jwt_and_json(corpus_app):
    client = corpus_app.test_client()
    token = client.get("/api/v1/trust-list").get_data(as_text=True)
    assert jwt.get_unverified_header(token)["typ"] == "trustlist+jwt"
    claims = jwt.decode(token, _provider_key(corpus_app, token), algorithms=["ES256"])
    [issuer] = claims["issuers"]
    assert issuer["issuer"] == ISSUER and len(issuer["jwks"]["keys"]) == 2
    assert client.get("/api/v1/trust-list?format=json").json["issuers"] == claims["issuers"]


@pytest.fixture
def bundle_file(corpus_app, tmp_path):
    body = corpus_app.test_client().get("/api/v1/offline-bundle?format=json").json
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(body))
    return path


def _cli(*args):
    return CliRunner().invoke(verify_command, [str(a) for a in args])


def test_cli_agrees_with_the_corpus(corpus, bundle_file, tmp_path):
    for form in ("sd_jwt", "offline"):
        for case, expected in CASES.items():
            result = _cli(corpus.case(case, form), "--bundle", bundle_file, "--json")
            body = json.loads(result.output)
            assert (case, body["status"]) == (case, expected)
            assert result.exit_code == (0 if expected == "valid" else 1)


def test_cli_reads_qr_images_and_text_files(corpus, bundle_file, tmp_path):
    image = tmp_path / "qr.png"
    image.write_bytes(qr_image.render(corpus.case("revoked", "offline"), max_version=40).png)
    text = tmp_path / "licence.txt"
    text.write_text(corpus.case("valid", "sd_jwt") + "\n")
    assert "已吊销" in _cli(image, "--bundle", bundle_file).output
    out = _cli(text, "--bundle", bundle_file)
    assert out.exit_code == 0 and "有效" in out.output and "bundle age:" in out.output


def test_stale_bundle_refused_unless_allowed(corpus, bundle_file):
    wrapper = json.loads(bundle_file.read_text())
    valid = corpus.case("valid", "offline")
    # A max-age beyond the bundle's age keeps it fresh, whatever the clock says now.
    fresh = _cli(valid, "--bundle", bundle_file, "--max-age-override", "86400")
    assert fresh.exit_code == 0, fresh.output
    loaded = bundles.load(json.dumps(wrapper))
    loaded.check_fresh(loaded.issued_at + loaded.max_age)  # exactly max-age old: not older
    with pytest.raises(bundles.BundleStale, match="older than its max-age"):
        loaded.check_fresh(loaded.issued_at + loaded.max_age + 1)


def test_past_max_age_cli_message(corpus, bundle_file, monkeypatch):
    import time as time_module

    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + 3 * 86400)
    valid = corpus.case("valid", "offline")
    refused = _cli(valid, "--bundle", bundle_file)
    assert refused.exit_code == 2 and "older than its max-age" in refused.output
    assert "--allow-stale" in refused.output
    allowed = _cli(valid, "--bundle", bundle_file, "--allow-stale")
    assert "WARNING" in allowed.output


def test_tampered_or_foreign_bundle_is_refused(corpus_app, bundle_file, tmp_path):
    wrapper = json.loads(bundle_file.read_text())
    head, payload, sig = wrapper["bundle"].split(".")
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps({**wrapper, "bundle": f"{head}.{payload[:-4]}AAAA.{sig}"}))
    result = _cli("LIC1:x", "--bundle", forged)
    assert result.exit_code == 2 and "cannot use the bundle" in result.output
    pinned = tmp_path / "other-jwks.json"
    pinned.write_text(json.dumps({"keys": []}))
    result = _cli("LIC1:x", "--bundle", bundle_file, "--provider-jwks", pinned)
    assert result.exit_code == 2 and "not signed by a known provider key" in result.output
    garbage = tmp_path / "garbage.json"
    garbage.write_text("not a bundle")
    assert _cli("LIC1:x", "--bundle", garbage).exit_code == 2


def test_bundle_age_is_readable():
    assert [bundles.describe_age(s) for s in (5, 125, 7300, 90000)] == \
        ["5s", "2m 5s", "2h 1m", "1d 1h"]


def test_exit_statuses_match_the_help():
    assert "0 valid, 1 not valid, 2 unusable input or bundle" in \
        CliRunner().invoke(verify_command, ["--help"]).output


@pytest.mark.parametrize("missing", [
    "licence.png", "photos/qr.jpg", "./licence.jwt", "C:\\scans\\qr", "notes.TXT",
    "/nonexistent/dir/file"])
def test_a_missing_file_is_not_found_not_invalid(bundle_file, missing):
    result = _cli(missing, "--bundle", bundle_file)
    assert result.exit_code == 2 and "file not found" in result.output
    assert "无效" not in result.output


def test_credential_text_with_slashes_is_still_verified(corpus, bundle_file):
    """Offline codes may hold '/', reference URLs do: they are text, not paths."""
    offline = corpus.case("valid", "offline")
    assert _cli(offline, "--bundle", bundle_file).exit_code == 0
    reference = _cli("https://onegate.example/v/1.2.3?t=x", "--bundle", bundle_file)
    assert reference.exit_code == 1 and "file not found" not in reference.output
    assert _cli("garbage-text", "--bundle", bundle_file).exit_code == 1


def test_cli_shows_claims_with_chinese_labels(corpus, bundle_file):
    out = _cli(corpus.case("valid", "sd_jwt"), "--bundle", bundle_file).output
    assert "持证人 [holder_name]: 张三" in out


# -- the public reason offline (issue 12: the offline verdict says why) ---------------

REASONS = {STATUS_URI: {"revoked_by_authority": [IDX_REVOKED], "under_review": [IDX_SUSPENDED],
                        "ceased": [IDX_VALID]}}


@pytest.fixture
def reasons_bundle(corpus_app, tmp_path):
    """The corpus's bundle with public reasons for its revoked and suspended licences
    (and a stray one on the valid licence's entry, which must never show)."""
    corpus_app.verify_services.status.reasons = REASONS
    body = corpus_app.test_client().get("/api/v1/offline-bundle?format=json").json
    path = tmp_path / "reasons.json"
    path.write_text(json.dumps(body))
    return path


def test_offline_verdict_says_the_public_reason(corpus, reasons_bundle):
    for form in ("sd_jwt", "offline"):
        revoked = json.loads(_cli(corpus.case("revoked", form), "--bundle", reasons_bundle,
                                  "--json").output)
        assert revoked["status"] == "revoked"
        assert revoked["status_reason"] == {
            "code": "revoked_by_authority", "label_zh": "被主管部门依法吊销",
            "label_en": "Revoked by the competent authority", "note": None}
        suspended = json.loads(_cli(corpus.case("suspended", form), "--bundle",
                                    reasons_bundle, "--json").output)
        assert suspended["status_reason"]["code"] == "under_review"
        # A reason on a valid licence's entry is not a verdict: never shown.
        valid = json.loads(_cli(corpus.case("valid", form), "--bundle", reasons_bundle,
                                "--json").output)
        assert valid["status"] == "valid" and valid["status_reason"] is None
    text = _cli(corpus.case("revoked", "offline"), "--bundle", reasons_bundle).output
    assert "公开原因 / public reason: 被主管部门依法吊销 / Revoked by the competent authority " \
           "(revoked_by_authority)" in text
    assert "public reason" not in _cli(corpus.case("valid", "offline"), "--bundle",
                                       reasons_bundle).output


def test_bundle_carries_codes_and_labels_only(reasons_bundle):
    claims = jwt.decode(json.loads(reasons_bundle.read_text())["bundle"],
                        options={"verify_signature": False})
    carried = claims["public_reasons"]
    assert carried["v"] == bundles.REASONS_VERSION == 1
    assert carried["lists"] == {STATUS_URI: {"revoked_by_authority": [IDX_REVOKED],
                                             "under_review": [IDX_SUSPENDED],
                                             "ceased": [IDX_VALID]}}
    assert carried["labels"]["ceased"] == {"zh": "持证主体已注销或停止经营",
                                           "en": "The holder has ceased the activity"}


def _resigned(corpus_app, bundle_file, change) -> str:
    """The bundle file's claims changed by ``change`` and signed again by the provider."""
    wrapper = json.loads(bundle_file.read_text())
    claims = jwt.decode(wrapper["bundle"], options={"verify_signature": False})
    change(claims)
    return json.dumps({**wrapper, "bundle": bundles.sign(corpus_app.services.keyring, claims)})


def test_bundles_without_or_with_other_reasons_still_verify(corpus_app, corpus, bundle_file,
                                                             tmp_path):
    """A bundle signed before public reasons (no claim) or with a later shape (another
    ``v``) verifies as before, without a reason; a version-1 claim of the wrong shape is
    a bundle refused (exit 2), not a reason guessed."""
    revoked = corpus.case("revoked", "offline")
    for name, change in (("older", lambda c: c.pop("public_reasons")),
                         ("later", lambda c: c.update(public_reasons={"v": 2, "x": []}))):
        path = tmp_path / f"{name}.json"
        path.write_text(_resigned(corpus_app, bundle_file, change))
        assert bundles.load(path.read_text()).reasons.of((IDX_REVOKED, STATUS_URI)) is None
        result = _cli(revoked, "--bundle", path, "--json")
        assert result.exit_code == 1, result.output
        assert json.loads(result.output)["status_reason"] is None
    for bad in ({"v": 1, "labels": {}, "lists": {STATUS_URI: ["ceased"]}},
                {"v": 1, "labels": {}, "lists": {STATUS_URI: {"ceased": [True]}}},
                {"v": 1, "lists": {}}):
        path = tmp_path / "bad.json"
        path.write_text(_resigned(corpus_app, bundle_file,
                                  lambda c, bad=bad: c.update(public_reasons=bad)))
        with pytest.raises(bundles.BundleError, match="public_reasons"):
            bundles.load(path.read_text())
        assert _cli(revoked, "--bundle", path).exit_code == 2
