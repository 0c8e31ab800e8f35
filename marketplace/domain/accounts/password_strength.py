"""How hard a new password is to guess, estimated by zxcvbn (not by its length alone).

zxcvbn scores 0 (guessed at once) to 4 (very hard); a new password needs 3, that is
about 10^8 guesses or more, with the person's own e-mail address and name counted as
easy words. Its advice is in English: the strings are listed here so that the
catalogues translate them (tests check the list against the installed zxcvbn).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from zxcvbn import zxcvbn

from marketplace.domain.errors import ValidationFailed

MIN_SCORE = 3
# zxcvbn refuses longer input; the first 72 characters of a passphrase say enough.
ZXCVBN_MAX_LENGTH = 72
# Words anyone would try against a Kiosque account.
SITE_WORDS = ("kiosque", "billetterie", "theatre", "théâtre", "portail")
# zxcvbn keeps the user's words in a module-level dictionary while it scores: one at a time.
_ZXCVBN_LOCK = threading.Lock()


def N_(message: str) -> str:
    """Mark `message` for the catalogues without translating it here."""
    return message


# Every warning and suggestion zxcvbn 4.5 can give, so that pybabel extracts them.
ZXCVBN_FEEDBACK = frozenset({
    N_("Add another word or two. Uncommon words are better."),
    N_("Capitalization doesn't help very much."),
    N_("Reversed words aren't much harder to guess."),
    N_("Predictable substitutions like '@' instead of 'a' don't help very much."),
    N_("Use a few words, avoid common phrases."),
    N_("No need for symbols, digits, or uppercase letters."),
    N_("Straight rows of keys are easy to guess."),
    N_("Short keyboard patterns are easy to guess."),
    N_("This is a top-10 common password."),
    N_("This is similar to a commonly used password."),
    N_("A word by itself is easy to guess."),
    N_("All-uppercase is almost as easy to guess as all-lowercase."),
    N_("Use a longer keyboard pattern with more turns."),
    N_('Repeats like "aaa" are easy to guess.'),
    N_('Repeats like "abcabcabc" are only slightly harder to guess than "abc".'),
    N_("This is a top-100 common password."),
    N_("This is a very common password."),
    N_("Names and surnames by themselves are easy to guess."),
    N_("Common names and surnames are easy to guess."),
    N_("Avoid repeated words and characters."),
    N_('Sequences like "abc" or "6543" are easy to guess.'),
    N_("Avoid sequences."),
    N_("Recent years are easy to guess."),
    N_("Dates are often easy to guess."),
    N_("Avoid recent years."),
    N_("Avoid years that are associated with you."),
    N_("Avoid dates and years that are associated with you."),
})
# Said when the password is made of the person's own name or address (zxcvbn is silent).
OWN_WORDS_HINT = N_("Do not use your name or your e-mail address.")


class WeakPassword(ValidationFailed):
    """The new password is too easy to guess; `hints` (English) say how to do better."""

    code = "weak_password"
    message = "This password is too easy to guess: a few unrelated words make a strong one."

    def __init__(self, hints: Iterable[str] = (), *, field: str = "password") -> None:
        super().__init__(field=field)
        self.hints = tuple(hints)


def personal_words(*values: str | None) -> list[str]:
    """The words of a person's e-mail address and name, that their password should avoid
    (the most telling first: zxcvbn counts a word as easier the earlier it comes)."""
    parts, wholes = [], []
    for value in values:
        if value:
            value = value.strip().lower()
            parts.extend(w for w in re.split(r"[\W_]+", value) if len(w) >= 3)
            wholes.append(value)
    return [*dict.fromkeys([*parts, *wholes, *SITE_WORDS])]


def check_password_strength(password: str, user_inputs: Iterable[str] = (),
                            field: str = "password") -> None:
    """Refuse (WeakPassword) a password zxcvbn scores below MIN_SCORE."""
    inputs = list(user_inputs)
    with _ZXCVBN_LOCK:
        result = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return
    feedback = result["feedback"]
    hints = [feedback["warning"]] if feedback["warning"] else []
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        hints.append(OWN_WORDS_HINT)
    hints.extend(feedback["suggestions"][:2])
    # Advice from a newer zxcvbn, not in our catalogues, is left out rather than shown raw.
    raise WeakPassword([hint for hint in hints if hint in ZXCVBN_FEEDBACK | {OWN_WORDS_HINT}],
                       field=field)
