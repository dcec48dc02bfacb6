"""casefilm: from raw footage to an accessible, web-ready case film."""

__version__ = "0.1.0"
