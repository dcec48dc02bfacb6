"""German text handling for suggestions: tokens, stop words, light stemming."""

from pipeline.didactics.text import STOP, content, related, stem, tokens


def test_inflected_forms_share_a_stem():
    groups = [["Dienstplanung", "Dienstpläne", "Dienstplänen", "Dienstplans", "Dienstplan"],
              ["Betriebsrat", "Betriebsräte", "Betriebsrates", "Betriebsräten"],
              ["Bewerbung", "Bewerbungen"], ["Fachkraft", "Fachkräfte", "Fachkräften"],
              ["Schicht", "Schichten"]]
    for forms in groups:
        assert len({stem(f) for f in forms}) == 1, [(f, stem(f)) for f in forms]
    # different words stay apart
    assert len({stem(g[0]) for g in groups}) == len(groups)


def test_compound_heads_match_half():
    assert related(stem("Einsatzplanung"), stem("Planung")) == 0.5
    assert related(stem("Schichtwünsche"), stem("Wünsche")) == 0.5
    assert related(stem("Dienstpläne"), stem("Dienstplanung")) == 1.0
    assert related(stem("KI"), stem("Kita")) == 0.0


def test_tokens_and_stop_words():
    assert tokens("KI-Einsatz, 2024: Wir planen!") == ["ki", "einsatz", "wir", "planen"]
    words = [w for w, _ in content("Also, wir haben die Dienstpläne mit der KI gemacht.")]
    assert words == ["Dienstpläne", "KI"]
    assert "beschreiben" in STOP and "dienstplan" not in STOP
