"""The SES SMTP password of an IAM access key (docs/reference/ses.md §Password derivation).

AWS has no SMTP-user API: the SMTP username is the access key id and the password is derived
from the secret access key and the SES region, with a SigV4-style HMAC-SHA256 chain over a
fixed date, then a version byte, then Base64.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

# docs/reference/ses.md §Password derivation: the constants of AWS's published algorithm
_DATE = "11111111"
_SERVICE = "ses"
_TERMINAL = "aws4_request"
_MESSAGE = "SendRawEmail"
_VERSION = b"\x04"


def _sign(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password for ``secret_access_key`` in ``region`` (e.g. ``eu-west-1``)."""
    signature = _sign(("AWS4" + secret_access_key).encode("utf-8"), _DATE)
    for part in (region, _SERVICE, _TERMINAL, _MESSAGE):
        signature = _sign(signature, part)
    return base64.b64encode(_VERSION + signature).decode("ascii")
