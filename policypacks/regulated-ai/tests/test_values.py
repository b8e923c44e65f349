"""Booleans, numbers and list-transparent paths as the policies read them (regulated_ai/values.py):
Go's strconv.ParseBool and ParseInt/ParseFloat, as the Pulumi Terraform bridge converts string inputs."""
import math

import pytest

from regulated_ai.values import UNKNOWN, InvalidValue, Unverifiable, as_bool, as_number, values_at


@pytest.mark.parametrize("value", [True, "1", "t", "T", "TRUE", "true", "True", 1, 2.5])
def test_true_in_every_form_the_provider_reads_as_true(value):
    assert as_bool(value, "x") is True


@pytest.mark.parametrize("value", [False, "0", "f", "F", "FALSE", "false", "False", 0, 0.0])
def test_false_in_every_form_the_provider_reads_as_false(value):
    assert as_bool(value, "x") is False


@pytest.mark.parametrize("value", [None, ""])
def test_unset_is_none(value):
    assert as_bool(value, "x") is None and as_number(value, "x") is None


@pytest.mark.parametrize("value", ["yes", "on", "tRuE", " true", "1.0", [], {}, math.nan])
def test_anything_else_is_not_a_boolean(value):
    with pytest.raises(InvalidValue, match="does not read as a boolean"):
        as_bool(value, "x")


@pytest.mark.parametrize("value, expected", [("30", 30), ("+30", 30), ("-1", -1), ("7.5", 7.5), ("1e3", 1000),
                                             (30, 30), (2.5, 2.5)])
def test_numbers_in_every_form_the_provider_reads(value, expected):
    assert as_number(value, "x") == expected


@pytest.mark.parametrize("value", ["thirty", "0x1E", "1_000", " 30", "nan", "inf", math.inf, math.nan, True, [30]])
def test_anything_else_is_not_a_number(value):
    with pytest.raises(InvalidValue, match="does not read as a number"):
        as_number(value, "x")


def test_unknowns_are_unverifiable_not_guessed():
    for parse in (as_bool, as_number):
        with pytest.raises(Unverifiable):
            parse(UNKNOWN, "x")


def test_values_at_reads_through_lists_and_reports_unknowns_where_met():
    data = {"specs": [{"ip": True}, {}, {"ip": UNKNOWN}], "later": UNKNOWN}
    assert values_at(data, "specs.ip") == [("specs.0.ip", True), ("specs.2.ip", UNKNOWN)]
    assert values_at(data, "later.ip") == [("later", UNKNOWN)]
    assert values_at(data, "missing.ip") == []
