"""Password generation and an entropy estimate.

Generated passwords draw from an alphabet every provider accepts (letters, digits and a few
symbols that need no quoting in dotenv files, shells or URLs) with :mod:`secrets`: 24
characters from 68 symbols give about 146 bits. At least one character of each class is
guaranteed, because SMTP2GO advises digit, symbol, upper and lower case.
"""

from __future__ import annotations

import math
import secrets
import string

__all__ = [
    "ALPHABET", "LENGTH", "MIN_BITS", "entropy_bits", "generate",
]

LOWER, UPPER, DIGITS, SYMBOLS = string.ascii_lowercase, string.ascii_uppercase, string.digits, "-_.~+="
ALPHABET = LOWER + UPPER + DIGITS + SYMBOLS
LENGTH = 24
MIN_BITS = 128


def generate(length: int = LENGTH) -> str:
    """A random password with at least :data:`MIN_BITS` bits of entropy and every class."""
    if length * math.log2(len(ALPHABET)) < MIN_BITS:
        raise ValueError(f"length {length} gives fewer than {MIN_BITS} bits")
    while True:
        pw = "".join(secrets.choice(ALPHABET) for _ in range(length))
        if all(any(c in cls for c in pw) for cls in (LOWER, UPPER, DIGITS, SYMBOLS)):
            return pw


def entropy_bits(password: str) -> float:
    """Estimated entropy: length * log2(size of the character classes used).

    This is the usual "charset" estimate (as in many password policies): classes are lower
    case (26), upper case (26), digits (10), ASCII symbols (33) and anything else (100). It
    overestimates human-chosen passwords with patterns; it is the documented rule we check
    SMTP2GO's ">= 64 bits" against, so a password we reject would likely be rejected there too.
    A password made of one repeated character counts as one character.
    """
    if not password:
        return 0.0
    pool = 0
    if any(c in LOWER for c in password):
        pool += 26
    if any(c in UPPER for c in password):
        pool += 26
    if any(c in DIGITS for c in password):
        pool += 10
    if any(c in string.punctuation or c == " " for c in password):
        pool += 33
    if any(not c.isascii() for c in password):
        pool += 100
    length = len(password) if len(set(password)) > 1 else 1
    return length * math.log2(max(pool, 2))
