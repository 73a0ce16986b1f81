"""The validation report prints its tables (the figures in docs/analysis.md come from it)."""

from __future__ import annotations

from mesoclinic.outcomes.analysis import validation


def test_it_prints_the_accuracy_and_repeatability_tables(capsys):
    validation.main(["1", "2"])
    out = capsys.readouterr().out
    assert out.count("| metric |") == 3
    assert "| spot_count |" in out and "no grey card" in out
