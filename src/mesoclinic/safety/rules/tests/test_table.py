from __future__ import annotations

import copy
import json
from importlib import resources

import pytest

from mesoclinic.clinical_codes.vocabulary import FACTORS, MODALITIES
from mesoclinic.safety.rules import (
    RuleTableError,
    Severity,
    SourceKind,
    default_rule_table,
    default_rules_data,
    load_rule_table,
)


def _raw_default() -> dict:
    text = resources.files("mesoclinic.safety.rules").joinpath("default_rules.json").read_text("utf-8")
    return json.loads(text)


def test_it_gives_a_fresh_copy_of_the_default_data():
    data = default_rules_data()
    assert data == _raw_default()
    data["rules"].clear()
    assert default_rules_data() == _raw_default()
    assert load_rule_table(default_rules_data()) == default_rule_table()


def _minimal() -> dict:
    return {
        "note": "Review before use.",
        "sources": {"s": {"title": "T", "url": "https://example.org/", "kind": "PR"}},
        "rules": [
            {"factor": "epilepsy", "severity": {"iontophoresis": "block"}, "message": "m", "source": "s"}
        ],
    }


def test_it_loads_the_default_table_once():
    assert default_rule_table() is default_rule_table()
    assert len(default_rule_table().rules) > 0


def test_it_ships_the_review_note():
    assert "medical lead must review" in default_rule_table().note


def test_it_cites_a_source_for_every_default_rule():
    for rule in default_rule_table().rules:
        assert rule.source.url.startswith(("https://", "http://"))
        assert rule.source.title
        assert rule.source.kind in SourceKind


def test_it_marks_vendor_pages_as_such():
    sources = _raw_default()["sources"]
    for key, source in sources.items():
        if not any(host in source["url"] for host in ("mdpi.com", "ncbi.nlm.nih.gov", "doi.org")):
            assert source["kind"] == "VND", key


def test_it_covers_only_known_factors_and_modalities():
    for rule in default_rule_table().rules:
        assert rule.factor in FACTORS
        assert rule.modality in MODALITIES


def test_it_keeps_json_rule_order():
    table = load_rule_table(_raw_default())
    factors = list(dict.fromkeys(rule.factor for rule in table.rules))
    assert factors == [row["factor"] for row in _raw_default()["rules"]]


def test_it_loads_a_minimal_table():
    table = load_rule_table(_minimal())
    rule = table.lookup("epilepsy", "iontophoresis")
    assert rule is not None
    assert rule.severity is Severity.BLOCK
    assert rule.source.citation == "T [PR] https://example.org/"
    assert table.note == "Review before use."


def _broken(path: str, value: object) -> dict:
    data = copy.deepcopy(_minimal())
    *parents, last = path.split(".")
    target = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("rules.0.factor", "epilepsie", "rules[0].factor: unknown factor 'epilepsie'"),
        ("rules.0.severity", {"iontoforesis": "block"}, "rules[0].severity: unknown modality 'iontoforesis'"),
        (
            "rules.0.severity",
            {"iontophoresis": "\u2013"},
            "rules[0].severity.iontophoresis: unknown severity '\u2013'",
        ),
        ("rules.0.severity", ["block"], "rules[0].severity: expected an object, got list"),
        ("rules.0.source", "nope", "rules[0].source: unknown source 'nope'"),
        ("rules.0.message", "", "rules[0].message: expected a non-empty string"),
        ("rules.0.message", "Bad {ingredient}", "rules[0].message: unknown placeholder {ingredient}"),
        ("rules.0.message", "Bad {patient}", "rules[0].message: unknown placeholder {patient}"),
        ("rules.0.message", "Bad {", "rules[0].message: malformed placeholder"),
        ("rules.0.extra", 1, "rules[0]: unknown key 'extra'"),
        ("rules.0.factor", KeyError, "rules[0]: missing key 'factor'"),
        ("rules", {}, "rules: expected a list, got dict"),
        ("sources.s.kind", "BLOG", "sources.s.kind: unknown kind 'BLOG'"),
        ("sources.s.url", None, "sources.s.url: expected a non-empty string"),
        ("note", KeyError, "rule table: missing key 'note'"),
        ("colour", "red", "rule table: unknown key 'colour'"),
    ],
)
def test_it_names_what_is_wrong(path, value, message):
    with pytest.raises(RuleTableError) as info:
        load_rule_table(_broken(path, value))
    assert str(info.value).startswith(message)


def test_it_rejects_a_factor_listed_twice():
    data = _minimal()
    data["rules"].append(dict(data["rules"][0], severity={"electroporation": "warn"}))
    with pytest.raises(
        RuleTableError, match=r"rules\[1\]\.factor: 'epilepsy' already has a rule in rules\[0\]"
    ):
        load_rule_table(data)


def test_it_allows_the_ingredient_placeholder_in_the_allergy_rule():
    data = _broken("rules.0.message", "Allergy to {ingredient} under {modality}.")
    data["rules"][0]["factor"] = "allergy"
    assert load_rule_table(data).lookup("allergy", "iontophoresis") is not None


def test_it_rejects_a_non_mapping():
    with pytest.raises(RuleTableError, match="rule table: expected an object, got list"):
        load_rule_table([])  # type: ignore[arg-type]  # a wrong type on purpose: the test checks that it is refused
