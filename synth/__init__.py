"""Data and text helpers for the synthetic export generator (``synth.generate``)."""
