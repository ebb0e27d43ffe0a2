"""The SES profile: which AWS account (boto3's credential chain), which SES region, which IAM path."""

from __future__ import annotations

import json
import re
from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator, model_validator

from smtpcreds.plugin import IssuerProfile, check_base_url

# docs/reference/ses.md §SMTP endpoints: region names look like eu-west-1, us-gov-west-1, ap-southeast-2
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
# docs/reference/ses.md §IAM limits: a path starts and ends with "/", 1-512 printable ASCII characters
_PATH = re.compile(r"^/([\x21-\x7e]{0,510}/)?$")

#: docs/reference/ses.md §Least privilege: an SMTP login needs ses:SendRawEmail and nothing else.
DEFAULT_POLICY: dict[str, object] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ses:SendRawEmail", "Resource": "*"}],
}
#: The name of the inline policy each login carries.
POLICY_NAME = "smtpcreds-ses-send"


class SesProfile(IssuerProfile):
    """An AWS account whose IAM users under ``iam_path`` are SES SMTP logins.

    AWS credentials come from boto3's standard chain (environment, shared config and credentials
    files, ``aws_profile``, container or instance roles), unless ``aws_access_key_id`` and
    ``aws_secret_access_key`` are set here, in the environment or in the keyring.
    """

    secret_fields: ClassVar[tuple[str, ...]] = ("aws_secret_access_key",)

    provider: Literal["ses"] = "ses"
    region: str = Field(
        description="The SES region the SMTP logins are for (e.g. eu-west-1): the password is derived "
        "for it and works only at email-smtp.<region>.amazonaws.com.",
    )
    aws_profile: str | None = Field(
        None, min_length=1, description="Named profile of the AWS shared config files to manage IAM with."
    )
    aws_access_key_id: str | None = Field(
        None, min_length=16, max_length=128,
        description="Access key id of the identity that manages the logins (default: boto3's chain).",
    )
    aws_secret_access_key: SecretStr | None = Field(
        None, description="Its secret access key (with aws_access_key_id; prefer the keyring or environment)."
    )
    endpoint_url: str | None = Field(
        None, description="IAM endpoint (an IAM-compatible emulator such as moto); default: AWS's own."
    )
    iam_path: str = Field(
        "/smtpcreds/", description="IAM path of the users smtpcreds creates; it lists and manages only these."
    )
    policy: str | None = Field(
        None, description="Inline policy document (JSON) given to each login; default: ses:SendRawEmail only."
    )
    verify_attempts: int = Field(
        12, ge=1, le=100,
        description="SMTP logins tried before a rotation gives up on a new key (IAM keys take seconds to "
        "reach SES).",
    )
    verify_delay: float = Field(
        1.0, gt=0, le=60,
        description="Seconds before the second SMTP login try; each later wait is one delay longer, at most 5.",
    )

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        if not _REGION.match(v):
            raise ValueError(f"not an AWS region name: {v!r} (e.g. eu-west-1)")
        return v

    @field_validator("endpoint_url")
    @classmethod
    def _endpoint(cls, v: str | None) -> str | None:
        return None if v is None else check_base_url(v)

    @field_validator("iam_path")
    @classmethod
    def _iam_path(cls, v: str) -> str:
        if not _PATH.match(v) or len(v) > 512:
            raise ValueError(f"an IAM path starts and ends with '/' (e.g. /smtpcreds/), got {v!r}")
        return v

    @field_validator("policy")
    @classmethod
    def _policy(cls, v: str | None) -> str | None:
        if v is None:
            return None
        try:
            doc = json.loads(v)
        except ValueError as e:
            raise ValueError(f"policy is not a JSON document: {e}") from None
        if not isinstance(doc, dict) or "Statement" not in doc:
            raise ValueError("policy must be an IAM policy document with a Statement")
        return v

    @model_validator(mode="after")
    def _key_pair(self) -> SesProfile:
        if self.aws_access_key_id is not None and self.aws_profile is not None:
            raise ValueError("set aws_profile or aws_access_key_id, not both")
        if self.aws_secret_access_key is not None and self.aws_access_key_id is None:
            raise ValueError("aws_secret_access_key needs aws_access_key_id")
        return self

    @property
    def policy_document(self) -> str:
        """The inline policy each login gets, as JSON."""
        return self.policy or json.dumps(DEFAULT_POLICY)

    @property
    def smtp_default_host(self) -> str:
        # docs/reference/ses.md §SMTP endpoints
        return f"email-smtp.{self.region}.amazonaws.com"
