"""Write a graph of about N triples: the bundled data plus synthetic sensor observations
(W3C SOSA) in the member cities, as N-Triples. Deterministic (seeded) for comparable runs.

    .venv/bin/python bench/generate.py --triples 1000000 --out /tmp/nscn-1m.nt
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pyoxigraph as ox

from nscn_graph import paths
from nscn_graph.graph.load import load

SOSA = "http://www.w3.org/ns/sosa/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
XSD = "http://www.w3.org/2001/XMLSchema#"
BASE = "https://w3id.org/nscn/id/"
NSCN = "https://w3id.org/nscn/ontology#"
PROPERTIES = ["air-temperature", "no2", "pm10", "noise", "traffic-count", "humidity"]
SENSORS = 2000
PER_OBSERVATION = 7


def triples(n: int, seed: int = 1):
    rng = random.Random(seed)
    bundled = list(load(paths.data_files()).triples())
    yield from bundled
    cities = sorted(
        {
            t.subject.value
            for t in bundled
            if t.predicate.value == RDF_TYPE and t.object.value == NSCN + "SmartCity"
        }
    )
    nn, lit = ox.NamedNode, ox.Literal
    a, label = nn(RDF_TYPE), nn(RDFS_LABEL)
    for p in PROPERTIES:
        prop = nn(f"{BASE}property/{p}")
        yield ox.Triple(prop, a, nn(SOSA + "ObservableProperty"))
        yield ox.Triple(prop, label, lit(p.replace("-", " "), language="en"))
    for i in range(SENSORS):
        sensor = nn(f"{BASE}sensor/s{i:05d}")
        city = cities[i % len(cities)]
        prop = PROPERTIES[i % len(PROPERTIES)]
        yield ox.Triple(sensor, a, nn(SOSA + "Sensor"))
        yield ox.Triple(sensor, label, lit(f"{prop} sensor {i:05d}", language="en"))
        yield ox.Triple(sensor, nn(NSCN + "city"), nn(city))
        yield ox.Triple(sensor, nn(SOSA + "observes"), nn(f"{BASE}property/{prop}"))
    observations = max(0, (n - len(bundled) - SENSORS * 4) // PER_OBSERVATION)
    for j in range(observations):
        i = rng.randrange(SENSORS)
        obs = nn(f"{BASE}observation/o{j:07d}")
        day, second = 1 + j % 28, rng.randrange(86400)
        when = f"2025-{1 + (j // 28) % 12:02d}-{day:02d}T{second // 3600:02d}:"
        when += f"{second // 60 % 60:02d}:{second % 60:02d}Z"
        yield ox.Triple(obs, a, nn(SOSA + "Observation"))
        yield ox.Triple(obs, nn(SOSA + "madeBySensor"), nn(f"{BASE}sensor/s{i:05d}"))
        yield ox.Triple(
            obs, nn(SOSA + "observedProperty"), nn(f"{BASE}property/{PROPERTIES[i % 6]}")
        )
        value = round(rng.uniform(-20, 80), 2)
        yield ox.Triple(
            obs, nn(SOSA + "hasSimpleResult"), lit(str(value), datatype=nn(XSD + "decimal"))
        )
        yield ox.Triple(obs, nn(SOSA + "resultTime"), lit(when, datatype=nn(XSD + "dateTime")))
        yield ox.Triple(obs, label, lit(f"observation {j:07d}", language="en"))
        yield ox.Triple(obs, nn(NSCN + "city"), nn(cities[i % len(cities)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    with args.out.open("wb") as out:
        ox.serialize(triples(args.triples), out, format=ox.RdfFormat.N_TRIPLES)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
