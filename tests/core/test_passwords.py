"""Generated passwords and the entropy estimate."""

from __future__ import annotations

import math

from smtpcreds import passwords


def test_generated_passwords_have_at_least_128_bits() -> None:
    assert passwords.LENGTH * math.log2(len(passwords.ALPHABET)) >= 128


def test_generated_passwords_contain_every_class_and_differ() -> None:
    seen = {passwords.generate() for _ in range(200)}
    assert len(seen) == 200
    for pw in seen:
        assert any(c.islower() for c in pw) and any(c.isupper() for c in pw)
        assert any(c.isdigit() for c in pw) and any(c in passwords.SYMBOLS for c in pw)
        assert passwords.entropy_bits(pw) >= 128


def test_entropy_estimate_rejects_weak_passwords() -> None:
    assert passwords.entropy_bits("password") < 64
    assert passwords.entropy_bits("aaaaaaaaaaaaaaaaaaaaaaaaa") < 64
    assert passwords.entropy_bits("Tr0ub4dor&3-Xy") >= 64
