"""The short code typed at the door: Crockford base32, any case or grouping, and a check
character that catches every single mistyped symbol before the database is asked."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.domain.orders.short_codes import (
    ALPHABET,
    SHORT_CODE_LENGTH,
    check_symbol,
    compact,
    format_short_code,
    looks_like_short_code,
    new_short_code,
    read_short_code,
)

codes = st.builds(lambda seed: new_short_code(random.Random(seed).choice),
                  st.integers(min_value=0, max_value=2**64))
# Everything a person can type in a symbol's place: the alphabet in both cases, and the
# letters Crockford leaves out (I, L and O read as 1, 1 and 0; U only ever as a check).
TYPED_SYMBOLS = sorted(set(ALPHABET + ALPHABET.lower() + "IiLlOoUu"))


def test_the_check_symbol_is_crockfords_value_modulo_37():
    assert check_symbol("00000000") == "0"
    assert check_symbol("0000000Z") == "Z"  # 31
    assert check_symbol("00000010") == "*"  # 32: one of the symbols never issued
    assert check_symbol("00000014") == "U"  # 36
    assert check_symbol("00000015") == "0"  # 37


@given(codes)
def test_a_new_code_is_nine_letters_and_digits_that_check(code):
    assert len(code) == SHORT_CODE_LENGTH and set(code) <= set(ALPHABET)
    assert check_symbol(code[:-1]) == code[-1]
    assert read_short_code(code) == code


def test_new_codes_do_not_repeat():
    drawn = [new_short_code() for _ in range(20000)]
    assert len(set(drawn)) == len(drawn)


@settings(max_examples=60)
@given(codes)
def test_every_single_character_substitution_is_detected(code):
    for position in range(SHORT_CODE_LENGTH):
        for typed in TYPED_SYMBOLS:
            mistyped = code[:position] + typed + code[position + 1:]
            if compact(mistyped) == code:  # the same symbol (another case, I/L/O for 1/0)
                assert read_short_code(mistyped) == code
            else:
                assert read_short_code(mistyped) is None, (code, mistyped)


@settings(max_examples=60)
@given(codes)
def test_every_swap_of_two_neighbours_is_detected(code):
    for position in range(SHORT_CODE_LENGTH - 1):
        swapped = (code[:position] + code[position + 1] + code[position]
                   + code[position + 2:])
        if swapped != code:
            assert read_short_code(swapped) is None


@settings(max_examples=60)
@given(codes, st.data())
def test_a_code_is_accepted_in_any_case_and_any_grouping(code, data):
    shown = format_short_code(code)
    assert shown == f"{code[:4]}-{code[4:8]}-{code[8]}"
    cases = data.draw(st.lists(st.booleans(), min_size=SHORT_CODE_LENGTH,
                               max_size=SHORT_CODE_LENGTH))
    separators = data.draw(st.lists(st.sampled_from(["", "", "-", " ", " - ", "\u2011"]),
                                    min_size=SHORT_CODE_LENGTH + 1,
                                    max_size=SHORT_CODE_LENGTH + 1))
    typed = separators[0] + "".join(
        (symbol.lower() if lower else symbol) + separator
        for symbol, lower, separator in zip(code, cases, separators[1:], strict=True))
    assert read_short_code(typed) == code
    assert read_short_code(shown.lower()) == code


def test_confusable_letters_read_as_the_digits_they_look_like():
    code = next(c for c in iter(new_short_code, None) if "1" in c[:-1] and "0" in c[:-1])
    typed = code.replace("1", "l").replace("0", "O").lower()
    assert read_short_code(typed) == code
    assert read_short_code(code.replace("1", "I")) == code


def test_a_missing_or_extra_symbol_is_an_attempt_but_not_a_code():
    code = new_short_code()
    for typed in (code[:-1], code[1:], code + "7", format_short_code(code)[:-2]):
        assert looks_like_short_code(typed) and read_short_code(typed) is None


def test_long_codes_links_and_noise_are_not_short_codes():
    for typed in ("q8QzF3n2bS0wQy1mW7dJvA", "https://kiosque.example/billets/AbC",
                  "AbC_123-xyz", "nope", "", None, 42, "K7QM-3XPF-0!", "é" * 9):
        assert not looks_like_short_code(typed)
    assert read_short_code(None) is None and read_short_code("K7QM-3XPF-*") is None
