"""rectify: a rectification ledger (整改台账) over plain files."""

__version__ = "0.1.0"
