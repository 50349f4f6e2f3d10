"""Behaviours of the gazetteer that a 211 conversation relies on."""

from __future__ import annotations

import pytest

from bot.places import normalize
from bot.places.gazetteer import Gazetteer, Place


def test_fold_and_offsets() -> None:
    assert normalize.fold("Ste-Thérèse") == "sainte therese"
    assert normalize.fold("St. Eustache") == "saint eustache"
    assert normalize.fold("Contrecœur") == "contrecoeur"
    folded, offsets = normalize.fold_with_offsets("Cœur")
    assert folded == "coeur" and offsets == [0, 1, 1, 2, 3]


@pytest.mark.parametrize(
    ("text", "fsa", "ldu"),
    [
        ("H2X 1Y4", "H2X", "1Y4"),
        ("h2x1y4", "h2x", "1y4"),
        ("h2x-1y4", "h2x", "1y4"),
        ("code: h2x", "h2x", None),
    ],
)
def test_postal_code_pattern(text: str, fsa: str, ldu: str | None) -> None:
    found = normalize.POSTAL_CODE.search(text)
    assert found and found.group(1) == fsa and found.group(2) == ldu


def test_ambiguous_name_prefers_the_territory(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("Saint-Lambert")
    assert place.code_geo == "58012" and place.in_territory
    assert place.alternatives == ("Saint-Lambert (Abitibi-Ouest)",)
    assert place.confidence < 1
    marthe = gazetteer.resolve("Sainte-Marthe")
    assert marthe.code_geo == "72015"
    assert "Sainte-Marthe (Vaudreuil-Soulanges)" in marthe.alternatives


def test_official_town_beats_a_neighbourhood_of_the_same_name(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("Mercier")
    assert place.code_geo == "67045"
    assert "Mercier–Hochelaga-Maisonneuve (Montréal)" in place.alternatives


def test_outside_the_territory_still_resolves(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("Quebec City")
    assert place.code_geo == "23027" and not place.in_territory


@pytest.mark.parametrize("text", ["merci", "ok", "Paris", "home", "chez nous", "", "   ", "!!"])
def test_non_places(gazetteer: Gazetteer, text: str) -> None:
    assert gazetteer.resolve(text) is None


def test_short_strings_are_not_fuzzed(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("oka") is not None
    assert gazetteer.resolve("oki") is None
    assert gazetteer.resolve("lava") is None


def test_typos_are_forgiven_on_longer_names(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("repentigy")
    assert place.code_geo == "60013" and place.confidence < 0.9


def test_match_finds_mentions_with_offsets(gazetteer: Gazetteer) -> None:
    text = "I live in DDO and need food"
    [span] = gazetteer.match(text)
    assert (span.start, span.end, span.text) == (10, 13, "DDO")
    assert span.place.code_geo == "66142"


def test_match_several_mentions_and_ligatures(gazetteer: Gazetteer) -> None:
    text = "je reste à Contrecœur mais je travaille à Longueuil"
    spans = gazetteer.match(text)
    assert [s.place.code_geo for s in spans] == ["59035", "58227"]
    assert [text[s.start : s.end] for s in spans] == ["Contrecœur", "Longueuil"]


def test_match_fuzzy_after_a_locative(gazetteer: Gazetteer) -> None:
    [span] = gazetteer.match("je reste a terebonne depuis 2 ans")
    assert span.text == "terebonne" and span.place.code_geo == "64008"


def test_common_words_need_context(gazetteer: Gazetteer) -> None:
    assert gazetteer.match("I hope you can help me") == []
    assert gazetteer.match("y a tu de l'aide, oka merci") == []
    [span] = gazetteer.match("je suis à Oka")
    assert span.place.code_geo == "72032"


def test_streets_are_not_where_people_live(gazetteer: Gazetteer) -> None:
    assert gazetteer.match("je dors sur la rue Sainte-Catherine") == []
    assert gazetteer.match("Saint-Laurent street") == []
    # a direction after the name: "Sherbrooke Est" sent a Montrealer to Estrie's 211
    assert gazetteer.match("j'habite sur Sherbrooke Est") == []
    assert gazetteer.match("I live on Sherbrooke West near the park") == []
    assert gazetteer.match("je reste sur Jean-Talon Ouest") == []
    # a saint's name after "sur"/"on" is a street: "sur Ste-Catherine" was Sainte-Catherine,
    # in Roussillon, for a person sleeping outside downtown
    assert gazetteer.match("je dors dehors sur Ste-Catherine") == []
    assert gazetteer.match("je suis sur Sainte-Catherine près de Papineau") == []
    assert gazetteer.resolve("sur Ste-Catherine") is None  # the answer to "where?" alone
    assert gazetteer.resolve("sur Sherbrooke Est") is None
    assert gazetteer.resolve("je reste à Sainte-Catherine").code_geo == "67030"
    assert gazetteer.resolve("sur le Plateau").borough == "Le Plateau-Mont-Royal"
    assert gazetteer.resolve("j'habite sur Laval").code_geo == "65005"
    # a town's own part, and "est" the verb, are still the town
    assert gazetteer.resolve("je reste à Montréal Est").code_geo == "66007"
    assert gazetteer.resolve("je suis à Laval Ouest").code_geo == "65005"
    assert gazetteer.resolve("Laval est trop loin pour moi").code_geo == "65005"


def test_a_metro_station_is_read_as_the_station_not_the_town(gazetteer: Gazetteer) -> None:
    [span] = gazetteer.match("près du métro Sherbrooke")  # on the Plateau, not in Estrie
    assert (span.place.code_geo, span.place.borough) == ("66023", "Le Plateau-Mont-Royal")
    assert span.place.kind == "station" and span.text == "Sherbrooke"
    [span] = gazetteer.match("près du métro Longueuil")
    assert (span.place.code_geo, span.place.borough) == ("58227", "Le Vieux-Longueuil")
    place = gazetteer.resolve("near Pie-IX metro")
    assert place is not None and place.borough == "Mercier–Hochelaga-Maisonneuve"
    assert gazetteer.resolve("Sherbrooke").code_geo == "43027"


@pytest.mark.parametrize(
    ("text", "borough", "lat", "lon"),
    [
        # the borough's centre put it 2.7 km away, in Old Montréal
        ("près du métro Frontenac", "Ville-Marie", 45.5332, -73.5522),
        # on a borough limit: at the island's centre before, results in Ahuntsic and Outremont
        ("proche du metro jean talon", "Rosemont–La Petite-Patrie", 45.5387, -73.6138),
        # a short name of a station, and a name the source misspells ("Snowdown")
        ("métro Berri", "Ville-Marie", 45.5149, -73.5597),
        ("Snowdon metro", "Côte-des-Neiges–Notre-Dame-de-Grâce", 45.4855, -73.6280),
    ],
)
def test_a_metro_station_is_where_the_city_puts_it(
    gazetteer: Gazetteer, text: str, borough: str, lat: float, lon: float
) -> None:
    [span] = gazetteer.match(text)
    assert span.place.kind == "station" and span.place.borough == borough
    assert (span.place.lat, span.place.lon) == pytest.approx((lat, lon), abs=1e-3)


@pytest.mark.parametrize(
    ("text", "station"),
    [
        # a tester: Frontenac, in Estrie, outside the territory
        ("rue Ontario pres de Frontenac", True),
        ("I live on Ontario street near Frontenac", True),
        ("je reste rue Sherbrooke près de Joliette", True),
        # the town, and a town's own street
        ("je suis à Frontenac", False),
        ("je vais à Joliette sur la rue Principale", False),
        ("à Sherbrooke sur la rue King", False),
    ],
)
def test_a_distant_town_among_streets_is_the_station(
    gazetteer: Gazetteer, text: str, station: bool
) -> None:
    [span] = gazetteer.match(text)
    assert (span.place.kind == "station") is station
    assert span.place.in_territory is station


def test_the_area_is_not_a_corner(gazetteer: Gazetteer) -> None:
    """ "dans le coin de Ahuntsic" (around Ahuntsic) found no place: "coin" was a corner."""
    place = gazetteer.resolve("dans le coin de Ahuntsic")
    assert place is not None and place.borough == "Ahuntsic-Cartierville"
    assert gazetteer.resolve("au coin de Pie-IX et Sherbrooke") is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        # a tester: Montréal was searched
        ("je sais pas trop, jsuis pas de montreal", []),
        ("je suis pas dans le Plateau", []),
        ("I'm not in Laval, I live in Longueuil", ["Longueuil"]),
        ("pas à Montréal, à Laval", ["Laval"]),
        ("pas loin de Laval", ["Laval"]),
    ],
)
def test_a_place_denied_is_not_where_someone_is(
    gazetteer: Gazetteer, text: str, found: list[str]
) -> None:
    assert [span.text for span in gazetteer.match(text)] == found


def test_context_words_veto_a_town_name(gazetteer: Gazetteer) -> None:
    """People, feasts, brands and idioms that look like towns (tests/places/sentences_blind)."""
    assert gazetteer.match("ma soeur Lorraine m'a donné votre numéro") == []
    assert gazetteer.match("on a commandé du poulet St-Hubert") == []
    assert gazetteer.match("c'est fermé à la Saint-Jean?") == []
    assert gazetteer.match("j'ai accepté à contrecoeur") == []
    assert gazetteer.resolve("la St-Valentin") is None
    [span] = gazetteer.match("j'habite à contrecoeur")
    assert span.place.code_geo == "59035"
    [span] = gazetteer.match("ma soeur reste à Lorraine")
    assert span.place.code_geo == "73025"


@pytest.mark.parametrize(
    "text",
    [
        "ma cliente vient d'arriver au Québec comme demandeuse d'asile",
        "c'est quoi les lois du Québec sur la garde",
        "we moved to the province of Quebec last year",
    ],
)
def test_the_province_is_not_the_city(gazetteer: Gazetteer, text: str) -> None:
    """ "Arriver au Québec" sent a Montréal social worker to 211 Capitale-Nationale."""
    assert gazetteer.match(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "Hydro-Québec va me couper l'électricité la semaine prochaine",
        "I owe money to Hydro Quebec",
        "my cheque from Revenu Quebec is late",
        "Retraite Québec a coupé ma rente",
        "j'ai un rendez-vous chez Services Québec",
        "mon agente d'Emploi-Québec",
        "mon fils étudie à l'université Laval",
        # a tester: Montréal was searched without asking
        "Je suis bénévole à Suicide Action Montréal",
        "je fais du bénévolat chez Moisson Montréal",
    ],
)
def test_an_organization_is_not_the_city(gazetteer: Gazetteer, text: str) -> None:
    """ "Hydro-Québec va me couper" sent a Montréal tenant to 211 Capitale-Nationale."""
    assert gazetteer.match(text) == []


def test_the_city_beside_an_organization(gazetteer: Gazetteer) -> None:
    [span] = gazetteer.match("je reste à Laval pis Hydro-Québec veut me couper")
    assert span.place.code_geo == "65005"
    [span] = gazetteer.match("j'habite à Québec, Revenu Québec me doit de l'argent")
    assert span.place.code_geo == "23027"


@pytest.mark.parametrize("text", ["j'habite à Québec", "dans la ville de Québec", "Québec"])
def test_the_city_is_still_the_city(gazetteer: Gazetteer, text: str) -> None:
    [span] = gazetteer.match(text)
    assert span.place.code_geo == "23027"


def test_dotted_initials_inside_a_sentence(gazetteer: Gazetteer) -> None:
    place = gazetteer.resolve("I live in N.D.G.")
    assert place is not None and place.borough == "Côte-des-Neiges–Notre-Dame-de-Grâce"
    assert gazetteer.resolve("N.-D.-de-l'Île-Perrot").code_geo == "71065"


def test_postal_code_in_a_sentence(gazetteer: Gazetteer) -> None:
    [span] = gazetteer.match("mon code postal c'est h1w 2b4 merci")
    assert span.text == "h1w 2b4"
    assert span.place.kind == "postal_code" and span.place.matched == "H1W 2B4"
    assert span.place.borough == "Mercier–Hochelaga-Maisonneuve"


def test_outside_quebec_postal_codes(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("K1A 0B1") is None


def test_reverse(gazetteer: Gazetteer) -> None:
    plateau = gazetteer.reverse(45.5225, -73.5800)
    assert plateau.code_geo == "66023" and plateau.borough == "Le Plateau-Mont-Royal"
    assert plateau.kind == "coordinates"
    assert gazetteer.reverse(45.4836, -73.5985).code_geo == "66032"  # Westmount
    assert gazetteer.reverse(45.5700, -73.7500).code_geo == "65005"  # Laval
    assert gazetteer.reverse(46.8139, -71.2080).code_geo == "23027"  # Québec
    assert gazetteer.reverse(45.7300, -73.4600).code_geo == "60013"  # Repentigny
    assert gazetteer.reverse(48.8566, 2.3522) is None  # Paris
    assert gazetteer.reverse(43.6532, -79.3832) is None  # Toronto


def test_place_as_dict(gazetteer: Gazetteer) -> None:
    data = gazetteer.resolve("NDG").as_dict()
    assert set(data) == {f for f in Place.__dataclass_fields__}
    assert data["alternatives"] == [] and data["in_territory"] is True


def test_build_is_cached() -> None:
    from bot.places.gazetteer import get_gazetteer

    assert get_gazetteer() is get_gazetteer()


@pytest.mark.parametrize(
    ("text", "said", "borough"),
    [
        # a tester: the whole city was searched
        (
            "I just arrived in Montreal, I am staying near Cote-des-Neiges metro",
            "Cote-des-Neiges",
            "Côte-des-Neiges–Notre-Dame-de-Grâce",
        ),
        ("à Montréal dans Verdun", "Verdun", "Verdun"),
        # two towns: the first named; a postal code before all
        ("je vis à Laval mais je travaille à Montréal", "Laval", None),
        ("H2X 1Y4 à Laval", "H2X 1Y4", "Ville-Marie"),
    ],
)
def test_the_most_precise_mention_is_where_the_person_is(
    gazetteer: Gazetteer, text: str, said: str, borough: str | None
) -> None:
    chosen = gazetteer.read(text).most_precise()
    assert chosen is not None and chosen.text == said and chosen.place.borough == borough
