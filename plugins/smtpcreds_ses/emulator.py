"""The SES lab: moto's IAM over real HTTP, fronted by an emulator that keeps the SMTP server in sync.

moto (the field's standard AWS emulator) serves IAM from a ``ThreadedMotoServer`` on 127.0.0.1.
:class:`SesEmulator` is a thin proxy in front of it, so the project's emulator tools (recorded
requests, injected faults, latency) work as with every other provider, and after each IAM call
it gives the lab SMTP server exactly the logins of moto's *active* keys: the access key id with
the password derived for the emulator's region. Deactivated or deleted keys stop working at
once. Each accepted SMTP login is recorded as the key's last use, as AWS does for SES.

moto checks signatures and permissions: the emulator's own admin identity holds exactly the
IAM actions that docs/providers/ses.md lists, so a call the documentation forgets fails here.
moto's backend and its authentication switch are process-wide: run one SesEmulator per process
at a time (starting one resets moto's IAM).
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from typing import Any
from xml.sax.saxutils import escape

from smtpcreds.plugin import EmulatorServer, Request, Response, SmtpServer
from smtpcreds_ses.derive import smtp_password

#: The account moto files requests under (its default for made-up credentials).
ACCOUNT = "123456789012"
ADMIN_USER = "smtpcreds-admin"
#: docs/providers/ses.md §Permissions: every IAM action smtpcreds calls, and nothing else.
ADMIN_ACTIONS = [
    "iam:ListUsers", "iam:GetUser", "iam:CreateUser", "iam:DeleteUser",
    "iam:ListUserTags", "iam:TagUser",
    "iam:PutUserPolicy", "iam:ListUserPolicies", "iam:DeleteUserPolicy",
    "iam:ListAttachedUserPolicies", "iam:DetachUserPolicy",
    "iam:CreateAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey", "iam:DeleteAccessKey",
    "iam:GetAccessKeyLastUsed",
]
START_TIMEOUT = 20.0

_start_lock = threading.Lock()


class SesEmulator(EmulatorServer):
    """IAM (moto) behind a recording, fault-injecting proxy; logins mirrored into the SMTP server."""

    name = "ses"
    root_path = ""

    def __init__(self, *, smtp: SmtpServer | None = None, port: int = 0, region: str = "eu-west-1") -> None:
        super().__init__(smtp=smtp, port=port)
        self.region = region
        self._moto: Any = None
        self._moto_addr: tuple[str, int] | None = None
        self._issued: set[str] = set()
        self.admin_key_id = ""
        self._admin_secret = ""

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> SesEmulator:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        from moto import settings
        from moto.server import ThreadedMotoServer

        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        # ThreadedMotoServer.start() waits without a bound for its socket: bound it here.
        starter = threading.Thread(target=server.start, daemon=True, name="moto-start")
        starter.start()
        starter.join(START_TIMEOUT)
        if starter.is_alive():
            raise RuntimeError(f"moto's server did not start within {START_TIMEOUT:.0f}s")
        self._moto, self._moto_addr = server, server.get_host_and_port()
        with _start_lock:
            backend = self.backend
            backend.reset()
            backend.create_user(self.region, ADMIN_USER, path="/", tags=[])
            key = backend.create_access_key(ADMIN_USER)
            backend.put_user_policy(ADMIN_USER, "smtpcreds-manage", json.dumps({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ADMIN_ACTIONS, "Resource": "*"}],
            }))
            self.admin_key_id, self._admin_secret = key.access_key_id, key.secret_access_key
            settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # moto checks signatures and policies from now on
        if self.smtp is not None:
            self.smtp.on_login = self._record_use
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        if self._moto is not None:
            from moto import settings

            self._moto.stop()
            self._moto = None
            settings.INITIAL_NO_AUTH_ACTION_COUNT = float("inf")
        if self.smtp is not None:
            for key_id in self._issued:
                self.smtp.retire(key_id)
            self._issued.clear()

    @property
    def backend(self) -> Any:
        """moto's IAM backend (in this process): tests read and arrange state through it."""
        from moto.iam.models import iam_backends

        return iam_backends[ACCOUNT]["aws"]

    def client_profile(self) -> dict[str, Any]:
        return {"provider": "ses", "region": self.region, "endpoint_url": self.origin,
                "aws_access_key_id": self.admin_key_id, "aws_secret_access_key": self._admin_secret,
                "verify_attempts": 3, "verify_delay": 0.05}

    # -- the proxy --------------------------------------------------------------------------
    def error_body(self, status: int, message: str) -> Any:
        """IAM's XML error envelope (a str, so the fault path sends it as is)."""
        code = "Throttling" if status == 429 else "ServiceFailure" if status >= 500 else "InvalidInput"
        kind = "Receiver" if status >= 500 else "Sender"
        return (f"<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{escape(message)}"
                "</Message></Error><RequestId>smtpcreds-emulator</RequestId></ErrorResponse>")

    def rate_limited(self, retry_after: float) -> Response:
        # IAM throttles with 400 Throttling (docs/reference/ses.md §Errors)
        return Response(400, str(self.error_body(429, "Rate exceeded")).encode(), {"Content-Type": "text/xml"})

    def dispatch(self, req: Request) -> Response:
        """Faults match the IAM action as a path (``inject(path="CreateAccessKey", ...)``): every IAM
        request is a POST to ``/``. The request is still forwarded to ``/``."""
        from urllib.parse import parse_qs

        form = parse_qs(req.body.decode("utf-8", "replace")) if req.body else req.query
        action = (form.get("Action") or [""])[-1]
        req.path = f"/{action}" if action else req.path
        return super().dispatch(req)

    def _route(self, req: Request) -> Response:
        assert self._moto_addr is not None
        query = "&".join(f"{k}={v}" for k, vs in req.query.items() for v in vs)
        conn = http.client.HTTPConnection(*self._moto_addr, timeout=30)
        try:
            # The Host header goes through unchanged: the client signed it.
            conn.request(req.method, "/" + (f"?{query}" if query else ""), body=req.body,
                         headers={k: v for k, v in req.headers.items() if k not in ("connection", "keep-alive")})
            answer = conn.getresponse()
            body = answer.read()
            headers = {k: v for k, v in answer.getheaders()
                       if k.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server")}
            status = answer.status
        finally:
            conn.close()
        with self.lock:
            self.sync()
        return Response(status, body, headers)

    def sync(self) -> None:
        """Make the SMTP server accept exactly the active keys' logins (deactivated or deleted: rejected)."""
        if self.smtp is None:
            return
        active: dict[str, str] = {}
        for user in list(self.backend.users.values()):
            if user.name == ADMIN_USER:
                continue
            for key in list(user.access_keys):
                if key.status == "Active":
                    active[key.access_key_id] = smtp_password(key.secret_access_key, self.region)
        for key_id in self._issued - set(active):
            self.smtp.retire(key_id)
        for key_id, password in active.items():
            self.smtp.issue(key_id, password)
        self._issued = set(active)

    def _record_use(self, username: str) -> None:
        from moto.core.utils import utcnow
        from moto.iam.models import AccessKeyLastUsed

        with self.lock:
            for user in list(self.backend.users.values()):
                for key in user.access_keys:
                    if key.access_key_id == username:
                        key.last_used = AccessKeyLastUsed(timestamp=utcnow(), service="ses", region=self.region)
