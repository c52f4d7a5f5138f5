"""Answering SPARQL: the query guard, the killable query workers, result serialisation."""
