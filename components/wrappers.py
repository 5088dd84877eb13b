"""Remove what is not the question before a message is classified.

Readers wrap their questions: "hey, sorry to bother you, roughly how large is the group these
days? cheers". Every wrapper word is evidence for some intent (greet, thank, or the "help me",
"could you" of harmful requests), so a wrapped question drifts from its topic and a long one
can even be refused. This component, first in the pipeline after the safety examples, strips
leading greetings, apologies, "quick question", acknowledgements ("thanks! and ..."), a
sentence of context ("I was reading about the group last night.") and trailing thanks,
"cheers" and emoji, so that the question inside is featurized as if it had been asked alone.

What is kept, and why:
- a message that is only a wrapper ("hi there", "thanks!") is left as it is, for greet/thank;
- nothing is stripped unless a question or request is left ("hi, I'm Sam" stays whole);
- a context sentence is kept when the question points back into it ("... it", "that"), and
  any piece that mentions a harmful act or a request for one (components/safety_rules.py) is
  never removed, so the safety judge, which reads the stripped text, still sees every harmful
  word the reader wrote: politeness can be removed, a request cannot;
- only English wrappers are recognised; other languages pass unchanged.

When anything was removed, the parse data says so under ``wrapper`` (``original``, ``removed``,
and ``text``, what was classified); WrapperRestorer, last in the pipeline, puts the reader's
text back as the parse data's text with entity offsets into it, so actions, the tracker and
the newsroom see what the reader sent.
Training examples are stripped the same way, so the classifier learns the questions.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.safety_rules import cues

WRAPPER_KEY = "wrapper"

_SEP = r"[\s,.!:;\-–—…]*"
# Leading wrappers, each followed by optional punctuation; tried again and again.
_LEADING = re.compile(
    r"^(?:"
    r"(?:hi+|hello+|hey+|heya|hiya|yo|howdy|greetings|hai|helo|hallo|sup|wassup"
    r"|good\s+(?:morning|afternoon|evening|day))(?:\s+(?:there|bot|assistant|all|folks|team|guys|again|friend))?"
    r"|dear\s+(?:bot|assistant|team)"
    r"|(?:so+\s+)?sorry(?:\s+(?:to\s+(?:bother|trouble|disturb|ask|interrupt)(?:\s+you)?(?:\s+again)?"
    r"|if\s+(?:this\s+is|it'?s)\s+(?:a\s+)?(?:dumb|stupid|silly|basic|naive|obvious)(?:\s+question)?"
    r"|for\s+(?:the\s+)?(?:bother|trouble|asking|interruption)))?"
    r"|excuse\s+me|pardon\s+me|apologies(?:\s+for\s+(?:the\s+)?(?:bother|asking))?"
    r"|(?:just\s+)?(?:a\s+)?(?:quick|random|simple|small|silly|dumb|basic)\s+(?:question|one|q)(?:\s+(?:for\s+you|here))?"
    r"|(?:i\s+have|i'?ve\s+got|got|i\s+got)\s+(?:a\s+)?(?:quick\s+|small\s+|simple\s+)?(?:question|q)(?:\s+for\s+you)?"
    r"|(?:one|another|a)\s+(?:more\s+)?question"
    r"|(?:can|could|may)\s+i\s+ask(?:\s+you)?\s+(?:something|a\s+question|a\s+quick\s+question)"
    r"|i\s+was\s+(?:just\s+)?wondering(?:\s+if\s+you\s+(?:could|can)\s+tell\s+me)?"
    r"|(?:thanks+|thank\s+(?:you|u)|thx|ty|cheers|great|cool|nice|ok+|okay|got\s+it|interesting|right|alright"
    r"|i\s+see|makes\s+sense|awesome|perfect|wow)(?:\s+(?:so\s+much|a\s+lot|for\s+that|for\s+the\s+answer))?"
    r"|(?:so|well|um+|uh+|hm+|btw|by\s+the\s+way|anyway|also|and\s+also|oh|but|like|now|then)"
    r")(?=$|[\s,.!:;?\-–—…])" + _SEP,
    re.IGNORECASE,
)
# Trailing wrappers: thanks, "cheers", "please", emoji and smileys.
_TRAILING = re.compile(
    r"(?:^|[\s,.!?:;\-–—…])(?:"
    r"(?:many\s+)?thanks+(?:\s+(?:so\s+much|a\s+lot|in\s+advance|again|heaps|a\s+bunch|for\s+(?:your|the)\s+help))?"
    r"|thank\s+(?:you|u)(?:\s+(?:so\s+much|very\s+much|in\s+advance|again|for\s+(?:your|the)\s+help))?"
    r"|thx|thnx|tnx|ty|ta|tia|cheers(?:\s+mate)?|please|pls|plz|much\s+appreciated|appreciate\s+it|appreciated"
    r"|if\s+you\s+(?:know|can|could)|lol|haha+|xx+"
    r"|:\)|:-\)|:d|;\)|:\(|<3"
    r")[\s,.!:;\-–—…]*$",
    re.IGNORECASE,
)
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F\u200D\U0001F3FB-\U0001F3FF]+"
)
# A question or a request is left: it ends with "?" or opens with a question or request word.
_QUESTION = re.compile(
    r"\?\s*$|^(?:who|whom|whose|what|whats|what's|wat|wot|when|where|wheres|where's|why|which|how|hows|how's"
    r"|is|are|was|were|do|does|did|can|could|would|will|should|has|have|had|tell|explain|describe"
    r"|give|list|show|say|and|but|any|anything|more|wut|y|wen|wer|r|u"
    r"|write|make|help|send|find|draft|compose|create|teach)\b",
    re.IGNORECASE,
)
# A sentence of context: the reader talking about themselves or what they saw or read.
_CONTEXT = re.compile(
    r"^(?:i|i'm|im|i've|ive|i'd|i\s+am|i\s+was|my|we|we're|our|just|been|saw|read|heard|doing|working"
    r"|watching|writing|studying|there's|there\s+was|this\s+is|as\s+a|for\s+(?:a|my)|in\s+(?:class|school))\b",
    re.IGNORECASE,
)
# A question that points back into the context it follows ("... who did it?").
_POINTS_BACK = re.compile(r"\b(?:it|its|that|this|those|these|he|she|him|her|the\s+article|the\s+story)\b",
                          re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)


def _harmful_piece(piece: str) -> bool:
    """A piece that names a harmful act or asks for one is never removed."""
    found = cues(piece)
    return found["violent_act"] or found["group_act"] or found["request_for_harm"] or found["other_language"]


def _is_question(text: str) -> bool:
    """Ends with "?" or opens with a question or request word."""
    return bool(_QUESTION.search(text.strip()))


def _has_question(text: str) -> bool:
    """A question somewhere in what is left ("?" anywhere, or it opens like one)."""
    return "?" in text or _is_question(text)


def _strip_edges(text: str) -> Tuple[str, List[str]]:
    """Leading and trailing wrappers off, all of them, if a question or request is left."""
    removed: List[str] = []
    current = _EMOJI.sub(" ", text).strip()
    if current != text.strip():
        removed.append("emoji")
    changed = True
    while changed and current:
        changed = False
        lead = _LEADING.match(current)
        if lead and lead.end() > 0 and not _harmful_piece(lead.group(0)):
            removed.append(lead.group(0).strip(" ,.!:;-"))
            current, changed = current[lead.end():].strip(), True
        trail = _TRAILING.search(current)
        if trail and trail.start() > 0:
            removed.append(trail.group(0).strip(" ,.!:;-"))
            current, changed = current[:trail.start()].strip(" ,-–—…"), True
    if not current or not _has_question(current):
        return text, []
    return current, removed


def _strip_context(text: str) -> Tuple[str, List[str]]:
    """Drop statement sentences of context before the last question, unless it points back."""
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    if len(sentences) < 2:
        return text, []
    last = len(sentences) - 1
    while last > 0 and not _is_question(sentences[last]):
        last -= 1
    if last == 0 or _POINTS_BACK.search(sentences[last]):
        return text, []
    kept: List[str] = []
    removed: List[str] = []
    for index, sentence in enumerate(sentences):
        context = index < last and not _is_question(sentence) and _CONTEXT.match(sentence.strip())
        if context and not _harmful_piece(sentence):
            removed.append(sentence.strip())
        else:
            kept.append(sentence.strip())
    return " ".join(kept), removed


def unwrap(text: str) -> Tuple[str, List[str]]:
    """The question inside ``text`` and what was removed; the text itself if nothing is left."""
    if not text or not _WORDS.search(text):
        return text, []
    current, removed = _strip_edges(text)
    current, context = _strip_context(current)
    if context:
        current, more = _strip_edges(current)
        removed += context + more
    if not current or not _WORDS.search(current):
        return text, []
    return (current, removed) if removed else (text, [])


def unwrap_message(message: Message) -> None:
    """Replace TEXT by the question inside it, keeping the original under ``wrapper``.

    A training example with annotated entities is left whole: their offsets point into it.
    """
    text = message.get(TEXT)
    if not isinstance(text, str) or message.get(ENTITIES):
        return
    inner, removed = unwrap(text)
    if removed and inner != text:
        message.set(TEXT, inner)
        message.set(WRAPPER_KEY, {"original": text, "removed": removed}, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class WrapperStripper(GraphComponent):
    """Before the tokenizer: classification sees the question, not the politeness around it."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WrapperStripper":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            unwrap_message(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            unwrap_message(message)
        return messages


def _original_offsets(entity: Dict[str, Any], inner: str, original: str, base: int) -> Dict[str, Any]:
    """The entity's start/end in the original text (its words are there: only wrappers went)."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return entity
    if base >= 0:
        return {**entity, "start": start + base, "end": end + base}
    found = original.lower().find(inner[start:end].lower())
    return {**entity, "start": found, "end": found + (end - start)} if found >= 0 else entity


def restore_message(message: Message) -> None:
    """Put the reader's text back as TEXT, entity offsets moved to match it.

    The parse data then describes what the reader sent (actions, the tracker's parse data and
    anyone reading entity offsets see one text); the classified text stays as ``wrapper.text``.
    """
    wrapper = message.get(WRAPPER_KEY)
    if not isinstance(wrapper, dict) or "original" not in wrapper or "text" in wrapper:
        return
    inner, original = message.get(TEXT) or "", wrapper["original"]
    base = original.find(inner)
    entities = [_original_offsets(e, inner, original, base) for e in message.get(ENTITIES) or []]
    message.set(ENTITIES, entities, add_to_output=True)
    message.set(WRAPPER_KEY, {**wrapper, "text": inner}, add_to_output=True)
    message.set(TEXT, original)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class WrapperRestorer(GraphComponent):
    """Last in the pipeline: the parse data carries the reader's own text again."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "WrapperRestorer":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            restore_message(message)
        return messages


def describe(text: str) -> Optional[Dict[str, Any]]:
    """What the component would do to ``text`` (for scripts and tests): None if nothing."""
    inner, removed = unwrap(text)
    return {"text": inner, "removed": removed} if removed else None
