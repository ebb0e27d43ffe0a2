"""Where secrets and rotation state live: one record per credential, in a pluggable backend.

* :mod:`smtpcreds.store.record` — the login record (current, pending and previous logins);
* :mod:`smtpcreds.store.keyring_records` — records as one OS-keyring item each, reading the
  three-item layout of earlier releases transparently.

:class:`smtpcreds.secretstore.SecretStore` is the face the client and the rotation engine use.
"""
