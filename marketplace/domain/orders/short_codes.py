"""The ticket's short code: what a person types at the door when the QR code will not scan.

Eight random Crockford base32 symbols and Crockford's mod-37 check symbol, nine in all,
shown as `K7QM-3XPF-0`. Crockford's alphabet has no I, L, O or U, so typing `l` for `1` or
`O` for `0` reads the same code; case, spaces and hyphens do not matter. The check symbol
is the code's value modulo 37, a prime that divides neither 32 nor any difference of two
symbols, so every single substituted symbol (and every swap of two neighbours) is caught
before the database is asked, with a message of its own rather than "unknown ticket".
Crockford spells check values 32–36 `*~$=U`, awkward on a phone keyboard: codes whose
check would need one of them are never issued (drawn again), so a code is only letters and
digits, and the check is still Crockford's own.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_SYMBOLS = ALPHABET + "*~$=U"
DATA_LENGTH = 8
SHORT_CODE_LENGTH = DATA_LENGTH + 1
# What a typed code may be "near": a symbol missing or one too many is still an attempt at
# a short code (told "mistyped"), while a 22-character ticket code never is.
ATTEMPT_LENGTHS = range(SHORT_CODE_LENGTH - 2, SHORT_CODE_LENGTH + 3)
# Crockford's decoding: lower case reads as upper case, I and L as 1, O as 0.
_READS_AS = {"I": "1", "L": "1", "O": "0"}
# Spaces and every dash a phone keyboard may put between groups.
_SEPARATORS = frozenset(" -\t\u00a0\u202f\u2010\u2011\u2012\u2013\u2014\u2212")
_VALUES = {symbol: value for value, symbol in enumerate(CHECK_SYMBOLS)}


def check_symbol(data: str) -> str:
    """Crockford's check symbol of `data` (symbols of ALPHABET): its value modulo 37."""
    value = 0
    for symbol in data:
        value = value * 32 + ALPHABET.index(symbol)
    return CHECK_SYMBOLS[value % 37]


def new_short_code(choose: Callable[[str], str] = secrets.choice) -> str:
    """A fresh short code (canonical: nine upper-case symbols, no separator)."""
    while True:
        data = "".join(choose(ALPHABET) for _ in range(DATA_LENGTH))
        check = check_symbol(data)
        if check in ALPHABET:  # letters and digits only (see the module's docstring)
            return data + check


def compact(typed: object) -> str:
    """What was typed, read the Crockford way: upper case, I/L as 1, O as 0, no separators."""
    if not isinstance(typed, str):
        return ""
    return "".join(_READS_AS.get(c, c) for c in typed.upper() if c not in _SEPARATORS)


def looks_like_short_code(typed: object) -> bool:
    """Whether `typed` is an attempt at a short code (right or wrong), not a long code."""
    value = compact(typed)
    return len(value) in ATTEMPT_LENGTHS and value.isascii() and value.isalnum()


def read_short_code(typed: object) -> str | None:
    """The canonical short code `typed` stands for, or None when mistyped or incomplete."""
    value = compact(typed)
    if len(value) != SHORT_CODE_LENGTH:
        return None
    data, check = value[:DATA_LENGTH], value[DATA_LENGTH:]
    if any(symbol not in ALPHABET for symbol in data) or check not in _VALUES:
        return None
    return value if check_symbol(data) == check else None


def format_short_code(code: str) -> str:
    """The code as printed and shown: groups of four, then the check symbol (`K7QM-3XPF-0`)."""
    return f"{code[:4]}-{code[4:8]}-{code[8:]}" if len(code) == SHORT_CODE_LENGTH else code
