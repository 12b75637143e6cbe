"""crm-golden: one trustworthy golden profile per real customer."""

__version__ = "0.1.0"
