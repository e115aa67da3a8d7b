"""Rasa tokenizer for Vietnamese as citizens type it (accented, unaccented, Zalo style).

Tokens keep the original text and offsets (so entity spans stay valid), while each
token's *lemma* is the normalised form the featurizers see: NFC, underthesea
``text_normalize`` (tone placement), abbreviations expanded ("dc" → "được"), and, in
the default ``folded`` mode, diacritics removed. Domain terms from the lexicon stay
one token in any spelling. CountVectorsFeaturizer reads lemmas (``use_lemma`` is its
default), so "lai suat ho ngheo" and "Lãi suất hộ nghèo" get the same features.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from vntext.lexicon import DEFAULT_LEXICON_PATH, Span, load_lexicon, underthesea_words
from vntext.normalise import fold, nfc

# Token data keys read by the LexiconEntityExtractor (plain strings so tokens stay
# serialisable for Rasa's training cache).
LEXICON_ENTITY = "lexicon_entity"
LEXICON_VALUE = "lexicon_value"


@lru_cache(maxsize=65536)
def _normalize_word(word: str) -> str:
    """underthesea's tone-placement normalisation of one word ("hoà" → "hòa").

    Remembered per word: citizens' vocabulary is small and this ran ~10 times a message.
    """
    from underthesea import text_normalize

    return text_normalize(nfc(word)).strip() or word


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class UndertheseaTokenizer(Tokenizer):
    """Word segmentation with underthesea plus the domain lexicon."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Required by the Tokenizer base class.
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # "folded" (no diacritics) or "accented" lemmas; see the module docstring.
            "lemma": "folded",
            "lexicon_path": str(DEFAULT_LEXICON_PATH),
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        if config["lemma"] not in ("folded", "accented"):
            raise ValueError("UndertheseaTokenizer lemma must be 'folded' or 'accented'")
        self._folded = config["lemma"] == "folded"
        self._lexicon = load_lexicon(config["lexicon_path"])
        # underthesea loads its segmentation and normalisation models on first use
        # (~0.5 s): load them with the Rasa model, not on a citizen's first message.
        underthesea_words("xin chào bà con")
        _normalize_word("hoà")

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "UndertheseaTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        spans = self._lexicon.segment(text, underthesea_words)
        tokens = [self._to_token(span) for span in spans]
        if not tokens and text.strip():
            # Nothing recognisable (e.g. only symbols): keep the text as one token so
            # featurizers still see the message.
            tokens = [Token(text, 0, end=len(text), lemma=fold(text))]
        return self._apply_token_pattern(tokens)

    def _to_token(self, span: Span) -> Token:
        if span.term is not None:
            lemma_source = span.term.canonical
        else:
            lemma_source = " ".join(_normalize_word(w) for w in span.normalized.split())
        lemma = fold(lemma_source) if self._folded else lemma_source.lower()
        token = Token(span.text, span.start, end=span.end, lemma=lemma.replace(" ", "_"))
        if span.term is not None and span.term.entity:
            token.set(LEXICON_ENTITY, span.term.entity)
            token.set(LEXICON_VALUE, span.term.value)
        return token

    @staticmethod
    def not_supported_languages() -> Optional[List[Text]]:
        return None
