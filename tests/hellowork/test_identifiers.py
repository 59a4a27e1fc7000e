import pytest
from django.core.exceptions import ValidationError

from hellowork.identifiers import (
    ESTABLISHMENT_NUMBER,
    POSTING_NUMBER,
    SEEKER_NUMBER,
    IdentifierFormField,
    normalize,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("07010-12345678", "07010-12345678"),
        ("０７０１０－１２３４５６７８", "07010-12345678"),  # full-width digits and hyphen
        ("07010ー12345678", "07010-12345678"),  # katakana long mark typed for a hyphen
        ("07010−12345678", "07010-12345678"),  # minus sign
        ("  07010-1234 ", "07010-1234"),  # fewer than 8 digits, surrounding spaces
    ],
)
def test_posting_number_accepts_and_normalises(typed, expected):
    assert POSTING_NUMBER.clean(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "0701-12345678",  # too short before the hyphen
        "07010-123456789",  # too long after it
        "07010-",
        "0701012345678",  # no hyphen
        "07010--12345678",  # extra hyphen
        "07010-1234-5678",
        "O7010-12345678",  # letter O for zero
        "07010-1234567a",
        "٠٧٠١٠-12345678",  # Arabic-Indic digits are digits to \d, not to us
        "07010 12345678",
    ],
)
def test_posting_number_refuses_with_the_expected_shape(typed):
    with pytest.raises(ValidationError) as caught:
        POSTING_NUMBER.clean(typed)
    assert "07010-12345678" in caught.value.messages[0]
    assert "求人番号" in caught.value.messages[0]


def test_seeker_number_shape():
    assert SEEKER_NUMBER.clean("０７０１０－０００１２３４") == "07010-0001234"
    with pytest.raises(ValidationError, match="07010-00001234"):
        SEEKER_NUMBER.clean("07010-0000-1234")


@pytest.mark.parametrize("typed", ["0701-123456-7", "０７０１－１２３４５６－７"])
def test_establishment_number_accepts(typed):
    assert ESTABLISHMENT_NUMBER.clean(typed) == "0701-123456-7"


@pytest.mark.parametrize(
    "typed", ["", "0701-123456", "0701-12345-7", "07011-23456-7", "0701-123456-78", "事業所"]
)
def test_establishment_number_refuses(typed):
    with pytest.raises(ValidationError, match="0701-123456-7"):
        ESTABLISHMENT_NUMBER.clean(typed)


def test_normalize_leaves_other_characters_alone():
    assert normalize("ＡＢＣ　１") == "ABC 1"


def test_form_field_normalises_and_names_the_shape():
    field = IdentifierFormField(shape="posting")
    assert field.clean("０７０１０－１２３４５６７８") == "07010-12345678"
    with pytest.raises(ValidationError) as caught:
        field.clean("12345")
    assert "07010-12345678" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        field.clean("")  # required
