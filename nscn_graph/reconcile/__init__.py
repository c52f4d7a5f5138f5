"""Reconciliation: matching names in a spreadsheet to the things of the graph, as the W3C
Entity Reconciliation Community Group's Reconciliation Service API 0.2 describes it (the
version OpenRefine 3.x speaks).

- :class:`Service` (:mod:`.service`): batches of queries reconciled, suggestions, property
  proposals, data extension, preview cards;
- :func:`parse_batch`, :func:`parse_extension` (:mod:`.queries`): requests read and checked;
- matching (:mod:`.matching`) reads candidates from the search index (:mod:`nscn_graph.search`,
  the same folding as ``/search``) and their types and property values from the store, through
  the store protocol only (:mod:`.facts`); types and properties (:mod:`.terms`) come from the
  page annotations and the store, never from a table in the code.

The library never imports the web app; ``nscn_graph.web.reconcile`` serves this over HTTP.
"""

from __future__ import annotations

from .matching import MARGIN, Candidate, Matcher
from .queries import DEFAULT_LIMIT, MAX_LIMIT, Extension, Query, parse_batch, parse_extension
from .service import SUGGEST_LIMIT, Card, Service, whole
from .terms import Terms

__all__ = [
    "DEFAULT_LIMIT",
    "MARGIN",
    "MAX_LIMIT",
    "SUGGEST_LIMIT",
    "Candidate",
    "Card",
    "Extension",
    "Matcher",
    "Query",
    "Service",
    "Terms",
    "parse_batch",
    "parse_extension",
    "whole",
]
