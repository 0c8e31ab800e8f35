"""No text a venue or a buyer typed becomes a live formula in an exported spreadsheet."""

from __future__ import annotations

import pytest

from marketplace.domain.spreadsheets import inert
from marketplace.domain.uptake.csvfile import csv_text


@pytest.mark.parametrize("text", ["=1+1", "+33 6 12", "-2+3", "@SUM(A1)", "\tx", "\r=x"])
def test_text_that_could_start_a_formula_is_kept_as_text(text):
    assert inert(text) == "'" + text


@pytest.mark.parametrize("text", ["Théâtre de la Criée", "13001", "", "−3,5 %", "'déjà"])
def test_other_text_is_untouched(text):
    assert inert(text) == text


def test_the_agency_tables_keep_names_inert_and_figures_as_they_are():
    body = csv_text(["group", "sold"], [["=cmd|' /C calc'!A0", 12], ["La Criée", -3]])
    assert body.splitlines()[1:] == ["'=cmd|' /C calc'!A0;12", "La Criée;-3"]
