"""nscn-graph: the knowledge graph of the Nordic Smart City Network and the tools that publish it.

The library loads the ontology and data (:mod:`nscn_graph.graph.load`), validates them against the
SHACL shapes (:mod:`nscn_graph.graph.validate`), queries them with the embedded pyoxigraph store
(:mod:`nscn_graph.stores.memory`), serialises them (:mod:`nscn_graph.graph.serialize`) and describes
them (:mod:`nscn_graph.publish.describe`). It never imports the web server.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nscn-graph")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
