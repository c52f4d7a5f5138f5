"""The graph itself: loading RDF files, validating them against the shapes, serialising."""
