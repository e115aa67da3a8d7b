"""Entities from the domain lexicon: household tier and loan purpose, in any spelling.

A statistical extractor needs many annotated examples per value and still misses
unaccented spellings; the lexicon already knows every spelling of every tier and
purpose, so the advisor's slots are filled deterministically from it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    TEXT,
)
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from vntext.lexicon import tier_as_told
from bot.nlu.underthesea_tokenizer import LEXICON_ENTITY, LEXICON_VALUE, UndertheseaTokenizer


TIER = "household_tier"
NOT_LISTED = "khong_thuoc_dien"


def household_as_told(text: str, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Household tiers as the citizen meant them: negated or past tiers are not the household's.

    "tôi không phải hộ nghèo, cũng không phải cận nghèo" is a household on no list
    (``khong_thuoc_dien``), not a poor one; "trước là hộ nghèo, năm ngoái đã thoát nghèo"
    keeps only what the household is now.
    """
    kept: List[Dict[Text, Any]] = []
    negated: List[Dict[Text, Any]] = []
    for entity in entities:
        if entity[ENTITY_ATTRIBUTE_TYPE] == TIER and entity[ENTITY_ATTRIBUTE_VALUE] != NOT_LISTED:
            told = tier_as_told(text, entity[ENTITY_ATTRIBUTE_START])
            if told == "negated":
                negated.append(entity)
                continue
            if told == "past":
                continue
        kept.append(entity)
    listed = [e for e in kept if e[ENTITY_ATTRIBUTE_TYPE] == TIER and e[ENTITY_ATTRIBUTE_VALUE] != NOT_LISTED]
    if listed:  # "không phải hộ nghèo nhưng là hộ cận nghèo": the tier it is, not the one it is not
        return [e for e in kept if not (e[ENTITY_ATTRIBUTE_TYPE] == TIER and e[ENTITY_ATTRIBUTE_VALUE] == NOT_LISTED)]
    if negated and not any(e[ENTITY_ATTRIBUTE_TYPE] == TIER for e in kept):
        kept.append({**negated[0], ENTITY_ATTRIBUTE_VALUE: NOT_LISTED})
    return kept


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LexiconEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Turns tokens the tokenizer marked as lexicon entities into Rasa entities."""

    @classmethod
    def required_components(cls) -> List[type]:
        return [UndertheseaTokenizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LexiconEntityExtractor":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn: the lexicon is the model."""
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [self._entity(token) for token in message.get(TOKENS_NAMES[TEXT]) or []]
            entities = household_as_told(message.get(TEXT) or "", [e for e in found if e is not None])
            if entities:
                message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages

    def _entity(self, token: Token) -> Optional[Dict[Text, Any]]:
        entity_type = token.get(LEXICON_ENTITY)
        if not entity_type:
            return None
        return {
            ENTITY_ATTRIBUTE_TYPE: entity_type,
            ENTITY_ATTRIBUTE_VALUE: token.get(LEXICON_VALUE),
            ENTITY_ATTRIBUTE_START: token.start,
            ENTITY_ATTRIBUTE_END: token.end,
            EXTRACTOR: self.__class__.__name__,
            "text": token.text,
        }
