"""Data and text helpers for the synthetic export generator (``crm_golden.generate``)."""
