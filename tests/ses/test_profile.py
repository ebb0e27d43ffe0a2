"""The SES profile: what is required, what is checked before anything is sent."""

from __future__ import annotations

from typing import Any

import pytest

import smtpcreds
from smtpcreds.errors import ConfigError


def connect(**fields: Any) -> Any:
    return smtpcreds.connect("ses", provider="ses", **fields)


def test_region_is_required() -> None:
    with pytest.raises(ConfigError, match="region"):
        connect()


@pytest.mark.parametrize("region", ["eu west 1", "EU-WEST-1", "europe", "eu-west-"])
def test_a_malformed_region_is_refused(region: str) -> None:
    with pytest.raises(ConfigError, match="region"):
        connect(region=region)


@pytest.mark.parametrize("path", ["smtpcreds", "/smtpcreds", "smtpcreds/", "/a b/"])
def test_an_iam_path_must_start_and_end_with_a_slash(path: str) -> None:
    with pytest.raises(ConfigError, match="iam_path"):
        connect(region="eu-west-1", iam_path=path)


def test_a_policy_must_be_a_json_policy_document() -> None:
    with pytest.raises(ConfigError, match="policy"):
        connect(region="eu-west-1", policy="{not json")
    with pytest.raises(ConfigError, match="policy"):
        connect(region="eu-west-1", policy='{"Version": "2012-10-17"}')


def test_plain_http_endpoints_only_to_loopback() -> None:
    with pytest.raises(ConfigError, match="endpoint_url"):
        connect(region="eu-west-1", endpoint_url="http://iam.example.com")
    assert connect(region="eu-west-1", endpoint_url="http://127.0.0.1:5000").profile.endpoint_url


def test_aws_profile_and_an_explicit_key_are_exclusive() -> None:
    with pytest.raises(ConfigError, match="not both"):
        connect(region="eu-west-1", aws_profile="mail", aws_access_key_id="AKIAEXAMPLEEXAMPLE01",
                aws_secret_access_key="x" * 40)


def test_a_secret_key_without_its_key_id_is_refused() -> None:
    with pytest.raises(ConfigError, match="needs aws_access_key_id"):
        connect(region="eu-west-1", aws_secret_access_key="x" * 40)


def test_the_smtp_endpoint_defaults_to_the_regions_starttls_submission_port() -> None:
    with connect(region="ap-southeast-2") as conn:
        assert conn.provider.smtp_endpoint() == ("email-smtp.ap-southeast-2.amazonaws.com", 587, "starttls")
    with connect(region="eu-west-1", smtp_port=465) as conn:
        assert conn.provider.smtp_endpoint() == ("email-smtp.eu-west-1.amazonaws.com", 465, "ssl")


def test_the_default_policy_allows_sending_raw_email_only() -> None:
    import json

    with connect(region="eu-west-1") as conn:
        doc = json.loads(conn.profile.policy_document)
    assert doc["Statement"] == [{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}]


def test_the_secret_key_never_reaches_a_repr() -> None:
    secret = "s3cr3t-" + "k" * 33
    with connect(region="eu-west-1", aws_access_key_id="AKIAEXAMPLEEXAMPLE01",
                 aws_secret_access_key=secret) as conn:
        assert secret not in repr(conn.profile) + str(conn.profile) + repr(conn.provider)
