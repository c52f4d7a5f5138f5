"""A generated graph of N things for the search benchmarks: the bundled data plus synthetic
projects, sensors, organisations, places and events with multilingual labels (Nordic letters
and diacritics), other names and descriptions drawn from a Zipf-distributed vocabulary, so that
common words match tens of thousands of things. Seeded: the same N gives the same graph.

    .venv/bin/python bench/search_data.py --things 100000 --out /tmp/nscn-search-100k.nt
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from nscn_graph import paths
from nscn_graph.graph.load import load

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
ALT_LABEL = "http://www.w3.org/2004/02/skos/core#altLabel"
DESCRIPTION = "http://purl.org/dc/terms/description"
IDENTIFIER = "http://purl.org/dc/terms/identifier"
BASE = "https://w3id.org/nscn/id/"
GEN = "https://w3id.org/nscn/ontology#"
KINDS = ("project", "sensor", "organisation", "place", "event")
LANGS = ("en", "da", "sv", "nb", "fi", "is")
SYLLABLES = (
    "al ar berg bo by dal del ek fjord ga gård har holm hus ja ker kø la lund ma mø nes ny "
    "or rå sa sjö ska sta strø sund tor trå ul vik vå äng øy ís þor ðal ber gen rö fen ti "
    "ko mu li na ve ri so pe ha ju ka lo mi"
).split()
COMMON = (
    "smart city data energy mobility open urban platform sensor waste water climate "
    "digital citizen service public transport air quality heat network lab pilot "
    "municipality innovation building street traffic noise light parking bicycle"
).split()


def name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def vocabulary(rng: random.Random, size: int = 20000) -> list[str]:
    rare = sorted({name(rng, rng.randint(2, 4)).lower() for _ in range(size)})
    return COMMON + rare


def things(n: int, seed: int = 1) -> Iterator[ox.Triple]:
    rng = random.Random(seed)
    yield from load(paths.data_files()).triples()
    words = vocabulary(rng)
    weights = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(words))))  # Zipf
    nn, lit = ox.NamedNode, ox.Literal
    a, label, alt = nn(RDF_TYPE), nn(RDFS_LABEL), nn(ALT_LABEL)
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        thing = nn(f"{BASE}{kind}/g{i:06d}")
        base_name = name(rng, rng.randint(2, 3))
        qualifier = rng.choices(words, cum_weights=weights, k=rng.randint(0, 2))
        title = " ".join([base_name, *qualifier, kind if rng.random() < 0.3 else ""]).strip()
        yield ox.Triple(thing, a, nn(GEN + kind.capitalize()))
        yield ox.Triple(thing, label, lit(title, language="en"))
        if rng.random() < 0.4:
            yield ox.Triple(thing, label, lit(name(rng, 3), language=rng.choice(LANGS[1:])))
        if rng.random() < 0.2:
            yield ox.Triple(thing, alt, lit(name(rng, 2), language=rng.choice(LANGS)))
        yield ox.Triple(thing, nn(IDENTIFIER), lit(f"{kind}/g{i:06d}"))
        text = " ".join(rng.choices(words, cum_weights=weights, k=rng.randint(8, 30)))
        yield ox.Triple(thing, nn(DESCRIPTION), lit(text.capitalize() + ".", language="en"))


def write(n: int, out: Path, seed: int = 1) -> Path:
    with out.open("wb") as file:
        ox.serialize(things(n, seed), file, format=ox.RdfFormat.N_TRIPLES)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--things", type=int, default=100_000)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    write(args.things, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
