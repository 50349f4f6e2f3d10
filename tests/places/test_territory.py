"""The territory served and the 211 referrals."""

from __future__ import annotations

import pytest

from bot.places import territory
from bot.places.data import municipalities
from bot.places.normalize import fold

NOT_CMM = [
    "L'Épiphanie",
    "Lavaltrie",
    "Saint-Jérôme",
    "Saint-Colomban",
    "Gore",
    "Saint-Placide",
    "Coteau-du-Lac",
    "Les Coteaux",
    "Saint-Zotique",
]


def test_cmm_has_82_members_and_served_83() -> None:
    assert len(territory.CMM_CODES) == 82
    assert len(territory.SERVED_CODES) == 83
    assert {"60037"} == territory.SERVED_CODES - territory.CMM_CODES


def test_groups_add_up() -> None:
    sizes = {group: len(codes) for group, codes in territory.cmm_groups().items()}
    assert sizes == {
        "agglomeration_montreal": 16,
        "laval": 1,
        "agglomeration_longueuil": 5,
        "couronne_nord": 20,
        "couronne_sud": 40,
    }


def test_every_code_exists_with_its_name() -> None:
    rows = municipalities()
    for code, name in territory.served_names().items():
        assert code in rows, code
        assert fold(rows[code].name) == fold(name), (code, name, rows[code].name)


def test_known_non_members_are_not_cmm() -> None:
    by_name = {fold(m.name): m.code_geo for m in municipalities().values()}
    for name in NOT_CMM:
        assert by_name[fold(name)] not in territory.CMM_CODES, name
    assert territory.is_served("60037")
    assert not territory.is_served("52007")  # Lavaltrie
    assert not territory.is_served(None)


def test_served_municipalities_carry_their_mrc() -> None:
    served = territory.served_municipalities()
    assert len(served) == 83
    by_code = {m.code_geo: m for m in served}
    assert by_code["73030"].mrc_code == "73"  # Bois-des-Filion, not Laval
    assert by_code["65005"].region == "Laval"


@pytest.mark.parametrize(
    ("code", "key", "served"),
    [
        ("66023", "grand_montreal", True),
        ("60037", "grand_montreal", True),
        ("23027", "capitale_nationale", False),  # Québec (region 03)
        ("25213", "capitale_nationale", False),  # Lévis (region 12)
        ("47017", "haute_yamaska", False),  # Granby (MRC 47)
        ("43027", "quebec", False),  # Sherbrooke: generic fallback
        ("52007", "quebec", False),  # Lavaltrie: outside the CMM
        (None, "quebec", False),
        ("99999", "quebec", False),
    ],
)
def test_referral_for(code: str | None, key: str, served: bool) -> None:
    referral = territory.referral_for(code)
    assert referral.key == key
    assert referral.served is served
    assert referral.phone == "211"
    assert set(referral.texts) == {"fr", "en"}
    assert referral.texts["fr"] != referral.texts["en"]


def test_referral_texts_name_the_place_and_the_service() -> None:
    referral = territory.referral_for("23027")
    assert "Québec" in referral.text("fr")
    assert referral.name in referral.text("en")
    assert "811" in territory.referral_for("43027").text("fr")
    assert "url" in territory.referral_for("47017").uncertain
