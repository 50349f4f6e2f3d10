"""GSM-7 / UCS-2 segmenting and the deliberate treatment of French accents."""

from __future__ import annotations

import pytest

from bot.channels.sms_segments import (
    encoding_of,
    length_units,
    paginate,
    prepare,
    segment_count,
    split_segments,
    to_gsm7,
)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),  # 153 + 8
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("é" * 160, 1),  # é is GSM-7
        ("ê" * 70, 1),  # ê alone is UCS-2 (unprepared)
        ("ê" * 71, 2),  # 67 + 4
        ("ê" * 134, 2),
        ("ê" * 135, 3),
        ("€" * 80, 1),  # extension characters take two septets
        ("€" * 81, 2),
        ("😀" * 35, 1),  # surrogate pairs take two UTF-16 units
        ("😀" * 36, 2),
        ("", 0),
    ],
)
def test_segment_limits(text: str, segments: int) -> None:
    assert segment_count(text) == segments


def test_parts_respect_limits_and_never_cut_a_pair() -> None:
    gsm = "x" + "€" * 200
    parts = split_segments(gsm)
    assert all(length_units(p, "gsm7") <= 153 for p in parts)
    assert "".join(parts) == gsm
    ucs = "a" + "😀" * 60
    parts = split_segments(ucs)
    assert all(length_units(p, "ucs2") <= 67 for p in parts)
    assert "".join(parts) == ucs


def test_french_accents_that_are_gsm7_are_kept() -> None:
    text = "Déjà là? Où? Très bien. Ça, É, à, è, ù"
    assert encoding_of(text) == "gsm7"
    assert prepare(text) == text


def test_french_accents_outside_gsm7_are_transliterated() -> None:
    text = "L’hôpital est fermé; être à la rue, c’est dur — garçon, sœur « oui »…"
    prepared = prepare(text)
    assert prepared == "L'hopital est fermé; etre à la rue, c'est dur - garcon, soeur \" oui \"..."
    assert encoding_of(prepared) == "gsm7"
    twice = text + " " + text  # 141 characters: 3 parts in UCS-2, 1 SMS once prepared
    assert segment_count(twice) == 3 and segment_count(prepare(twice)) == 1


def test_text_that_needs_ucs2_keeps_every_accent() -> None:
    text = "Centre communautaire مركز, fenêtre, garçon"
    assert to_gsm7(text) is None
    assert prepare(text) == text  # UCS-2 anyway: nothing lost
    assert encoding_of(prepare(text)) == "ucs2"


def test_paginate_short_text_is_one_page() -> None:
    pages = paginate("Bonjour!", more_hint="(PLUS)")
    assert [p.text for p in pages] == ["Bonjour!"]


def test_paginate_long_text_into_three_segment_pages_with_hint() -> None:
    paragraphs = [f"Ressource {i} : une adresse, un téléphone, un horaire." for i in range(20)]
    text = "\n\n".join(paragraphs)
    pages = paginate(text, more_hint="(Écrivez PLUS pour la suite)")
    assert len(pages) > 1
    for page in pages:
        assert page.segments <= 3
        assert page.encoding == "gsm7"
    assert all(p.text.endswith("(Écrivez PLUS pour la suite)") for p in pages[:-1])
    assert "PLUS" not in pages[-1].text
    # cut at paragraph boundaries: every paragraph arrives whole, in order
    body = "\n".join(p.text.replace("(Écrivez PLUS pour la suite)", "") for p in pages)
    found = [line for line in body.splitlines() if line.strip()]
    assert found == paragraphs


def test_paginate_max_segments_is_configurable() -> None:
    pages = paginate("mot " * 200, more_hint="(MORE)", max_segments=1)
    assert all(p.segments == 1 for p in pages)
    assert " ".join(p.text.replace("(MORE)", "") for p in pages).split() == ["mot"] * 200


def test_paginate_ucs2_page_uses_ucs2_limits() -> None:
    text = "مركز " * 100
    pages = paginate(text, more_hint="(MORE)")
    assert all(p.encoding == "ucs2" and p.segments <= 3 for p in pages)
    assert all(length_units(p.text, "ucs2") <= 3 * 67 for p in pages)


@pytest.mark.parametrize(
    "text",
    [
        "Só falo francês e inglês. Ligue para o 211.",
        "Tôi chỉ nói tiếng Pháp và tiếng Anh. Hãy gọi 211.",
    ],
)
def test_other_languages_keep_their_letters(text: str) -> None:
    """Only French typography is folded: elsewhere a diacritic carries the meaning."""
    assert prepare(text) == text and encoding_of(text) == "ucs2"
    spanish = "Solo hablo francés e inglés. Llame al 211."  # é is GSM-7: nothing to fold
    assert prepare(spanish) == spanish and encoding_of(spanish) == "gsm7"
