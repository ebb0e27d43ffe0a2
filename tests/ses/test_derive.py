"""The SES SMTP password derivation, against AWS's published algorithm and published vectors."""

from __future__ import annotations

import base64
import secrets

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from smtpcreds_ses.derive import smtp_password

#: AWS SDK for PHP, tests/Ses/SesClientTest.php (the documentation's example secret).
PHP_SDK_VECTOR = ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-2",
                  "BMPPgbAHoFVbze1Ud0oA5uNdXRwUXUZ+qOwphGJbl/cS")
#: Terraform AWS provider, internal/service/iam/access_key_test.go (TestSESSMTPPasswordFromSecretKeySigV4).
TERRAFORM_VECTORS = [
    ("some+secret+key", "eu-central-1", "BMXhUYlu5Z3gSXVQORxlVa7XPaz91aGWdfHxvkOZdWZ2"),
    ("another+secret+key", "eu-central-1", "BBbphbrQmrKMx42d1N6+C7VINYEBGI5v9VsZeTxwskfh"),
    ("some+secret+key", "us-west-1", "BH+jbMzper5WwlwUar9E1ySBqHa9whi0GPo+sJ0mVYJj"),
    ("another+secret+key", "us-west-1", "BKVmjjMDFk/qqw8EROW99bjCS65PF8WKvK5bSr4Y6EqF"),
]


def independent(secret: str, region: str) -> str:
    """AWS's steps (docs.aws.amazon.com/ses/latest/dg/smtp-credentials.html), written apart from
    the plugin's code, with another HMAC implementation (cryptography instead of hmac)."""
    key = b"AWS4" + secret.encode()
    for message in ("11111111", region, "ses", "aws4_request", "SendRawEmail"):
        mac = crypto_hmac.HMAC(key, hashes.SHA256())
        mac.update(message.encode())
        key = mac.finalize()
    return base64.b64encode(bytes([0x04]) + key).decode()


def test_the_published_aws_sdk_vector() -> None:
    secret, region, expected = PHP_SDK_VECTOR
    assert smtp_password(secret, region) == expected


@pytest.mark.parametrize(("secret", "region", "expected"), TERRAFORM_VECTORS)
def test_the_terraform_provider_vectors(secret: str, region: str, expected: str) -> None:
    assert smtp_password(secret, region) == expected


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-2"])
def test_random_secrets_match_an_independent_implementation(region: str) -> None:
    for _ in range(20):
        secret = base64.b64encode(secrets.token_bytes(30)).decode()  # 40 characters, like AWS's
        assert smtp_password(secret, region) == independent(secret, region)


def test_the_independent_implementation_itself_matches_the_published_vectors() -> None:
    for secret, region, expected in [PHP_SDK_VECTOR, *TERRAFORM_VECTORS]:
        assert independent(secret, region) == expected


def test_the_password_depends_on_the_region() -> None:
    secret = PHP_SDK_VECTOR[0]
    assert smtp_password(secret, "eu-west-1") != smtp_password(secret, "us-east-1")


def test_a_password_is_44_base64_characters_starting_with_the_version_byte() -> None:
    password = smtp_password("x" * 40, "eu-west-1")
    assert len(password) == 44 and base64.b64decode(password)[0] == 0x04
