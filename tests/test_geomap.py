"""The server-drawn SVG maps: Natural Earth outlines from world-atlas, projected and clipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from nscn_graph.web import geomap

SVG = "{http://www.w3.org/2000/svg}"


def test_the_outlines_are_installed_and_decoded():
    frame = geomap.frame()
    assert geomap.ATLAS.exists(), "run `make linked-assets` (npm ci) to install world-atlas"
    codes = {c.alpha2 for c in frame.countries if c.alpha2}
    assert codes == {"DK", "NO", "SE", "FI", "IS"}
    assert all(c.d.startswith("M") and c.d.endswith("Z") for c in frame.countries)


@pytest.mark.parametrize(
    ("name", "lon", "lat"),
    [("Reykjavík", -21.94, 64.15), ("Tromsø", 18.96, 69.65), ("Helsinki", 24.94, 60.17)],
)
def test_places_project_inside_the_frame(name, lon, lat):
    frame = geomap.frame()
    x, y = frame.project(lon, lat)
    assert 0 < x < frame.width and 0 < y < frame.height, name


def test_east_is_right_and_north_is_up():
    frame = geomap.frame()
    bergen, helsinki, tromso = (
        frame.project(5.32, 60.39),
        frame.project(24.94, 60.17),
        frame.project(18.96, 69.65),
    )
    assert bergen[0] < helsinki[0]
    assert tromso[1] < helsinki[1]


def test_svg_is_well_formed_and_accessible():
    markup = geomap.svg(
        [geomap.Marker(10.2, 56.2, "Aarhus & co", "/id/city/aarhus")], title="A <map>"
    )
    root = ET.fromstring(str(markup))
    assert root.get("role") == "img" and root.get("aria-label") == "A <map>"
    assert root.find(f"{SVG}title").text == "A <map>"
    link = root.find(f"{SVG}a")
    assert link.get("href") == "/id/city/aarhus"
    assert link.find(f"{SVG}circle/{SVG}title").text == "Aarhus & co"


def test_clipping_keeps_a_ring_inside_the_box():
    ring = [(-10.0, 5.0), (5.0, 5.0), (5.0, 20.0), (-10.0, 20.0)]
    clipped = geomap._clip(ring, (0.0, 0.0, 10.0, 10.0))
    assert clipped and all(0 <= x <= 10 and 0 <= y <= 10 for x, y in clipped)
    assert geomap._area(clipped) == pytest.approx(25.0)
