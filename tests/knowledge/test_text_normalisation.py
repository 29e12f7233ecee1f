"""Search text is normalised the same way for documents and queries: NFKC, casefold, katakana
folded to hiragana, character bigrams within runs of letters and digits, and each kanji alone."""

from knowledge.text import bigrams, grams, normalise, query_bigrams


def test_full_width_and_half_width_forms_are_the_same():
    assert normalise("ＡＢＣ１２３") == normalise("abc123")
    assert normalise("ﾍﾝﾋﾟﾝ") == normalise("ヘンピン") == normalise("へんぴん")


def test_english_is_casefolded():
    assert bigrams("Refund") == {"re", "ef", "fu", "un", "nd"}


def test_japanese_text_without_spaces_is_cut_into_bigrams():
    assert bigrams("返品したい") == {"返品", "品し", "した", "たい"}


def test_punctuation_and_spaces_end_a_run():
    assert bigrams("返品、解約 OK") == {"返品", "解約", "ok"}


def test_a_two_character_query_is_one_bigram():
    assert query_bigrams("返品") == ["返品"]
    assert query_bigrams("　解約　") == ["解約"]


def test_hiragana_only_bigrams_are_dropped_when_the_query_has_others():
    assert query_bigrams("返品したい") == ["返品", "品し"]


def test_a_hiragana_only_query_keeps_its_bigrams():
    assert query_bigrams("ありがとう") == ["あり", "りが", "がと", "とう"]


def test_katakana_words_are_telling_and_match_hiragana_spelling():
    assert query_bigrams("ログイン") == ["ろぐ", "ぐい", "いん"]
    assert set(query_bigrams("ﾛｸﾞｲﾝ")) == bigrams("ろぐいん")


def test_a_one_kana_or_latin_character_query_has_no_gram():
    assert query_bigrams("ろ") == []
    assert query_bigrams("a") == []
    assert query_bigrams("") == []


def test_documents_keep_each_kanji_alone_too():
    assert grams("冷蔵庫の霜") == {"冷蔵", "蔵庫", "庫の", "の霜", "冷", "蔵", "庫", "霜"}


def test_a_one_kanji_word_is_looked_up_alone():
    assert query_bigrams("鍵") == ["鍵"]
    assert query_bigrams("冷蔵庫 霜") == ["冷蔵", "蔵庫", "霜"]
    assert query_bigrams("冷蔵庫") == ["冷蔵", "蔵庫"]  # no unigrams in longer words
