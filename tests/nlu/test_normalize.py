from bot.nlu.normalize import fold_token, normalize, normalize_with_offsets, span, split_elisions


def test_sms_and_accented_spellings_meet():
    assert normalize("J’AI BESOIN D’AIDE!!!") == normalize("jai besoin daide") == "jai besoin daide"


def test_elongations_emojis_and_ligatures():
    assert normalize("Heeeelp meee 😭😭") == "help me"
    assert normalize("Œuvre à l'école") == "oeuvre a lecole"
    assert normalize("  ...  ") == ""


def test_offsets_point_into_the_original_text():
    text = "Mon chum me FRAPPE!"
    normalized, offsets = normalize_with_offsets(text)
    start = normalized.index("frappe")
    begin, end = span(offsets, text, start, start + len("frappe"))
    assert text[begin:end] == "FRAPPE"


def test_fold_token_glues_elisions():
    assert fold_token("d'aide") == "daide"
    assert fold_token("Épicerie") == "epicerie"


def test_split_elisions_keeps_every_offset() -> None:
    text = "à l’hôpital, j'y vais"
    split = split_elisions(text)
    assert split == "à l hôpital, j y vais"
    assert len(split) == len(text)
