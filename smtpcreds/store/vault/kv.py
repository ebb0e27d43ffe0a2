"""OpenBao / HashiCorp Vault KV version 2, through hvac: every change a check-and-set write.

Everything lives under ``<mount>/<prefix>/``, laid out as the package's docstring lists
(:mod:`smtpcreds.store.vault`; docs/reference/openbao-vault.md).

A write carries ``cas`` = the version this process read (``cas=0``: create only); a mismatch
means another machine changed the entry, and raises :class:`Conflict` so the caller re-reads
and decides, never overwriting blindly. A write that succeeds answers with the version it made,
which is the store's confirmation: versions never change once written, so reading it back
would only fetch what was sent. ``url`` may list several nodes: a request goes to the first that
answers, and the next is tried on a connection error, a 5xx or a 307 (a standby pointing at a
dead leader), within a bounded time.

One :class:`VaultKV` per settings and process (:func:`kv_for`), shared by every thread: one HTTP
connection pool (a ``requests.Session`` that hvac sends through, as large as the threads that
use it: :meth:`VaultKV.reserve`), one token look-up (and renewal) and one search for the active
node, whatever the number of connections and rotations. hvac, and requests with it, are imported
when a client is made, so a keyring-store process never loads them.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any
from urllib.parse import quote

from smtpcreds.errors import ConfigError, SecretStoreError
from smtpcreds.redact import one_line
from smtpcreds.store.interface import Conflict
from smtpcreds.store.settings import StoreSettings
from smtpcreds.store.vault.auth import Token

#: How long a request is retried across nodes (leader elections take 10-12 s).
RETRY_SECONDS = 30.0
RETRY_DELAY = 0.5
#: Connections kept open per node until :meth:`VaultKV.reserve` asks for more (requests' default).
POOL_SIZE = 10


def segment(value: str) -> str:
    """One path segment (ids and names may hold characters a path cannot)."""
    return quote(value, safe="@.-_+:")


class VaultKV:
    """A KV v2 mount, addressed relative to ``<prefix>/``."""

    def __init__(self, settings: StoreSettings) -> None:
        try:
            import hvac  # type: ignore[import-untyped]
        except ImportError:
            raise ConfigError("[store] backend = \"vault\" needs hvac: pip install 'smtpcreds[vault]'") from None
        self.settings = settings
        self.urls = settings.addresses()
        if not self.urls:
            raise ConfigError("[store] backend = \"vault\" needs an address: set [store] url, "
                              "SMTPCREDS_STORE__URL, VAULT_ADDR or BAO_ADDR")
        self.mount = settings.mount.strip("/")
        self.prefix = settings.prefix.strip("/")
        self._hvac = hvac
        self._lock = threading.Lock()
        #: held while looking for the active node (once for all threads)
        self._auth_lock = threading.Lock()
        self._active = 0
        verify: Any = settings.ca_cert or settings.verify_tls
        if verify is True:  # as requests would find it in the environment, once
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session = _session(verify)
        self.pool_size = 0
        self.reserve(POOL_SIZE)
        self._clients = [hvac.Client(url=u, verify=verify, timeout=settings.timeout, proxies=_proxies(u),
                                     namespace=settings.namespace or None, session=self.session)
                         for u in self.urls]
        self._verify = verify
        self._picked = len(self.urls) == 1  # a cluster: find the active node first
        self.token = Token(settings)
        self.ops = {"read": 0, "write": 0, "delete": 0, "list": 0}
        #: profiles whose write check passed in this process (:meth:`VaultBackend.check_writable`)
        self.proven: set[str] = set()
        self.proving = threading.Lock()

    def __repr__(self) -> str:
        return f"<VaultKV {self.urls[0]} {self.mount}/{self.prefix}>"

    def reserve(self, threads: int) -> None:
        """Keep up to ``threads`` connections open per node (a batch's concurrency), so threads
        reuse connections instead of opening and dropping them; never shrinks."""
        from requests.adapters import HTTPAdapter  # (requests with hvac: see the docstring)

        with self._lock:
            if threads <= self.pool_size:
                return
            self.pool_size = threads
            adapter = HTTPAdapter(pool_connections=max(1, len(self.urls)), pool_maxsize=threads)
            for scheme in ("http://", "https://"):
                self.session.mount(scheme, adapter)

    # -- requests across nodes --------------------------------------------------------------
    def _call(self, op: str, fn: Any) -> Any:
        """``fn(client)`` on the active node; other nodes and retries on transient failures."""
        import requests  # (with hvac: see the docstring)

        hv = self._hvac.exceptions
        deadline = time.monotonic() + RETRY_SECONDS
        last: BaseException | None = None
        attempt = 0
        relogged = False
        if not self._picked:
            with self._auth_lock:
                if not self._picked:
                    self._pick_active()
        while True:
            index = (self._active + attempt) % len(self._clients)
            client = self._clients[index]
            try:
                self.token.apply(client)
                with self._lock:
                    self.ops[op] = self.ops.get(op, 0) + 1
                result = fn(client)
                self._active = index
                return result
            except (Conflict, ConfigError):
                raise
            except hv.InvalidRequest as e:
                if "check-and-set" in str(e):
                    raise Conflict("check-and-set mismatch") from None
                if "Waiting for the primary" not in str(e):
                    raise SecretStoreError(f"the vault store refused a request: {_line(e)}") from None
                last = e
            except (hv.Forbidden, hv.Unauthorized) as e:
                if self.settings.auth == "approle" and not relogged:
                    relogged = True  # the AppRole token expired: log in again, once
                    self.token.forget()
                    continue
                raise SecretStoreError(f"the vault store at {client.url} refused the token ({_line(e)}): it "
                                       "expired or was revoked, or its policy does not cover "
                                       f"{self.mount}/{self.prefix}/; log in again and retry") from None
            except hv.VaultDown as e:
                last = e  # sealed (503): another node may be unsealed
            except (hv.InternalServerError, hv.BadGateway, hv.UnexpectedError, hv.VaultNotInitialized) as e:
                last = e
            except requests.RequestException as e:
                last = e
            attempt += 1
            if time.monotonic() >= deadline:
                break
            if attempt % len(self._clients) == 0:
                time.sleep(RETRY_DELAY)
                if len(self._clients) > 1:
                    attempt = 0
                    with self._auth_lock:
                        self._pick_active()
        raise SecretStoreError(_unavailable(self.urls, last))

    def _pick_active(self) -> None:
        """Send requests to the node whose ``sys/health`` answers 200 (standbys answer 429 and may
        serve stale reads; a sealed node 503). Without one, keep the current choice."""
        import requests  # (with hvac: see the docstring)

        for index, url in enumerate(self.urls):
            try:
                r = self.session.get(f"{url.rstrip('/')}/v1/sys/health", timeout=min(2.0, self.settings.timeout),
                                     verify=self._verify)
            except requests.RequestException:
                continue
            if r.status_code == 200:
                self._active, self._picked = index, True
                return

    # -- KV v2 ------------------------------------------------------------------------------
    def _path(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def where(self, rel: str) -> str:
        """``rel`` as a user finds it: ``<mount>/<prefix>/<rel>``."""
        return f"{self.mount}/{self._path(rel)}"

    def read(self, rel: str, version: int | None = None) -> tuple[dict[str, Any] | None, int]:
        """The data at ``rel`` (None: absent or deleted) and its version (0: none); ``version``:
        that version instead of the latest (a read-back of one's own write)."""
        hv = self._hvac.exceptions

        def go(client: Any) -> tuple[dict[str, Any] | None, int]:
            try:
                answer = client.secrets.kv.v2.read_secret_version(
                    path=self._path(rel), version=version, mount_point=self.mount,
                    raise_on_deleted_version=False)
            except hv.InvalidPath:
                return None, 0
            data = answer["data"]
            return data.get("data"), int(data["metadata"]["version"])

        result: tuple[dict[str, Any] | None, int] = self._call("read", go)
        return result

    def write(self, rel: str, data: dict[str, Any], cas: int) -> int:
        """Write ``data`` if the version is still ``cas`` (0: only if absent); the new version,
        ``cas + 1``, which confirms the write (any other answer is a SecretStoreError).

        When an attempt whose answer was lost (a dropped connection, a leader change) is followed
        by a check-and-set refusal, the entry is read: if it holds ``data`` at ``cas + 1``, the
        lost attempt landed and that is the answer, not a conflict."""
        attempts = 0

        def go(client: Any) -> int:
            nonlocal attempts
            attempts += 1
            answer = client.secrets.kv.v2.create_or_update_secret(
                path=self._path(rel), secret=data, cas=cas, mount_point=self.mount)
            return int(answer["data"]["version"])

        try:
            version: int = self._call("write", go)
        except Conflict:
            if attempts > 1:
                now, version = self.read(rel)
                if version == cas + 1 and now == data:
                    return version
            raise
        if version != cas + 1:
            raise SecretStoreError(f"the vault store answered version {version} for {self.where(rel)} written on "
                                   f"version {cas}; nothing further was changed")
        return version

    def delete(self, rel: str) -> None:
        """Remove ``rel`` with all its versions (a later create is ``cas=0`` again)."""
        self._call("delete", lambda c: c.secrets.kv.v2.delete_metadata_and_all_versions(
            path=self._path(rel), mount_point=self.mount))

    def list(self, rel: str) -> list[str]:
        """The keys under folder ``rel`` (sub-folders end with ``/``)."""
        hv = self._hvac.exceptions

        def go(client: Any) -> list[str]:
            try:
                answer = client.secrets.kv.v2.list_secrets(path=self._path(rel), mount_point=self.mount)
            except hv.InvalidPath:
                return []
            return list(answer["data"]["keys"])

        keys: list[str] = self._call("list", go)
        return keys


def _session(verify: Any) -> Any:
    """The one ``requests.Session`` every node's hvac client sends through (its pool: :meth:`VaultKV.reserve`).

    It does not read the environment at every request (proxies, CA bundle, .netrc: a third of a
    request's client CPU): the client reads the proxies and CA bundle once, when it is made.
    """
    import requests  # (with hvac: see the docstring)

    session = requests.Session()
    session.trust_env = False
    session.verify = verify  # (hvac prefers a session's own verify over its argument)
    return session


def _proxies(url: str) -> dict[str, str] | None:
    """The proxies the environment sets for ``url`` (``HTTPS_PROXY``, ``NO_PROXY``...), read once."""
    from requests.utils import get_environ_proxies  # (with hvac: see the docstring)

    return dict(get_environ_proxies(url)) or None


def _line(e: BaseException) -> str:
    return one_line(str(e), 200) or type(e).__name__


def _unavailable(urls: list[str], last: BaseException | None) -> str:
    where = ", ".join(urls)
    if last is not None and type(last).__name__ == "VaultDown":
        return f"the vault store at {where} is sealed or unavailable (503); unseal it and retry"
    what = f"{type(last).__name__}: {_line(last)}" if last is not None else "no answer"
    return (f"the vault store at {where} cannot be reached ({what}); nothing was changed after the "
            "last confirmed write: check the address and the server, then retry or resume")


_shared: dict[str, VaultKV] = {}
_shared_lock = threading.Lock()


def kv_for(settings: StoreSettings) -> VaultKV:
    """One client per settings and process (keeps the login token and the active node)."""
    key = settings.model_dump_json()
    with _shared_lock:
        kv = _shared.get(key)
        if kv is None:
            kv = _shared[key] = VaultKV(settings)
        return kv


def reset_clients() -> None:
    with _shared_lock:
        _shared.clear()
