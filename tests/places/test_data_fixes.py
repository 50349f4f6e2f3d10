"""One test per known error of the reference data (data/reference/SOURCES.md caveats)."""

from __future__ import annotations

from bot.places import data
from bot.places.gazetteer import Gazetteer


def test_census_tract_rows_are_dropped() -> None:
    names = [locality.name for locality in data.localities()]
    assert not [n for n in names if n.startswith("Ct ")]
    assert "Chomedey" in names


def test_santa_claus_and_akwesasne_fsas_are_dropped() -> None:
    points = data.fsa_points()
    assert "H0H" not in points and "H0M" not in points
    assert all(data.in_quebec_bounds(p.lat, p.lon) for p in points.values())


def test_h4y_goes_to_dorval(gazetteer: Gazetteer) -> None:
    point = data.fsa_points()["H4Y"]
    assert point.code_hint == "66087"
    assert abs(point.lat - 45.45) < 0.1 and abs(point.lon + 73.75) < 0.1
    assert gazetteer.resolve("H4Y 1H1").code_geo == "66087"


def test_g0b_goes_to_the_magdalen_islands(gazetteer: Gazetteer) -> None:
    assert data.fsa_points()["G0B"].lon < -61
    assert gazetteer.resolve("G0B 1B0").code_geo == "01023"


def test_misencoded_saint_francois() -> None:
    assert data.fix_text("Saint-Franþois") == "Saint-François"
    assert data.fsa_points()["H7B"].place_name == "Saint-François"


def test_bois_des_filion_geonames_point_is_not_an_anchor(gazetteer: Gazetteer) -> None:
    locality = next(x for x in data.localities() if x.name == "Bois-des-Filion")
    assert gazetteer.geo.locate(locality.lat, locality.lon).code_geo == "65005"  # in Laval
    assert any(a.code_geo == "73030" for a in gazetteer.geo.rejected)
    assert gazetteer.resolve("Bois-des-Filion").code_geo == "73030"
    town = data.municipalities()["73030"]
    assert gazetteer.reverse(town.lat, town.lon).code_geo == "73030"


def test_merged_municipalities_are_aliases(gazetteer: Gazetteer) -> None:
    assert len(data.merged_names()) == 6
    assert gazetteer.resolve("Hébertville-Station").code_geo == "93022"
    assert gazetteer.resolve("Saint-Félix-de-Dalquier").code_geo == "88057"
    assert gazetteer.resolve("Saint-Guy").code_geo == "13062"
    assert gazetteer.resolve("Sainte-Anne-de-la-Pocatière").code_geo == "14082"
    merged = gazetteer.resolve("Saint-Onésime-d'Ixworth")
    assert merged.code_geo == "14082" and merged.kind == "merged"


def test_obsolete_geonames_codes_are_updated() -> None:
    assert data.current_code("60035") == "60037"
    assert data.fsa_points()["J5X"].code_hint == "60037"
    assert data.current_code("00000") is None


def test_pierrefonds_roxboro_point_is_inside_its_polygon(gazetteer: Gazetteer) -> None:
    import shapely

    lat, lon = gazetteer.borough_points["Pierrefonds-Roxboro"]
    area = next(a for a in data.montreal_areas() if a.borough == "Pierrefonds-Roxboro")
    assert area.geometry.contains(shapely.Point(lon, lat))
    place = gazetteer.resolve("Pierrefonds")
    assert (place.lat, place.lon) == (lat, lon)


def test_borough_polygons_carry_official_names() -> None:
    boroughs = {a.borough for a in data.montreal_areas() if a.borough}
    assert len(boroughs) == 19
    assert "Mercier–Hochelaga-Maisonneuve" in boroughs
    assert "Mercier-Hochelaga-Maisonneuve" not in boroughs


def test_rural_fsas_use_the_statcan_centroid() -> None:
    point = data.fsa_points()["J0K"]  # GeoNames point ~14 km from the polygon centroid
    assert point.rural and (round(point.lat, 4), round(point.lon, 4)) == (46.6859, -73.9448)
