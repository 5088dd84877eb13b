"""Thin Rasa actions: read the tracker, ask ``answers`` what to say, utter it.

The content store is loaded once when the action server imports this module, so a
broken content file stops start-up with an error naming the file. Tests pass a
small store of their own to each action's constructor.
"""

from __future__ import annotations

import abc
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import answers, compound, context, language, premises, ratings
from actions.content_store import ContentStore, YamlContentStore
from actions.settings import load_settings

SLOT_TOPIC = "topic"
SLOT_DETAIL_INDEX = "detail_index"
SLOT_RATING = "rating"
# `rasa shell`'s channel. Its console prints a custom payload as raw JSON and a message's
# buttons before its text, so a terminal reader gets the answer, then numbered suggestions.
TERMINAL_CHANNEL = "cmdline"


@lru_cache(maxsize=1)
def default_store() -> ContentStore:
    """The store named by the settings, loaded (and validated) once per process."""
    return YamlContentStore.load(load_settings().content_dir)


def utter(
    dispatcher: CollectingDispatcher,
    reply: answers.Reply,
    channel: Optional[str] = None,
    store: Optional[ContentStore] = None,
) -> List[EventType]:
    """Send a Reply and return the slot events that keep the conversation's context.

    REST and the widget get buttons and the attribution payload; the terminal (``channel``
    ``cmdline``, with ``store`` for the label) gets plain text only, suggestions last.
    """
    if channel == TERMINAL_CHANNEL and store is not None:
        dispatcher.utter_message(text=answers.terminal_text(reply.text))
        if reply.buttons:
            dispatcher.utter_message(text=answers.numbered_suggestions(store.message("terminal_suggestions"), reply.buttons))
    else:
        dispatcher.utter_message(text=reply.text, buttons=[b.as_dict() for b in reply.buttons])
        if reply.custom is not None:
            dispatcher.utter_message(json_message=reply.custom)
    events: List[EventType] = []
    if reply.topic_id is not None:
        events.append(SlotSet(SLOT_TOPIC, reply.topic_id))
    if reply.detail_index is not None:
        events.append(SlotSet(SLOT_DETAIL_INDEX, float(reply.detail_index)))
    return events


def latest_intent(tracker: Tracker) -> Optional[str]:
    """The intent of the user's latest message, if any."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def follow_up_intent(store: ContentStore, tracker: Tracker, entities: List[Any]) -> Optional[str]:
    """The topic under discussion's intent when the latest message reads as a follow-up on it."""
    settings = load_settings()
    return context.follow_up_intent(
        store, tracker.latest_message.get("intent_ranking") or [],
        premises.question_text(tracker.latest_message),
        context.names_other(tracker.get_slot(SLOT_TOPIC), [e.id for e in entities], store),
        tracker.get_slot(SLOT_TOPIC),
        context.FollowUpRule(settings.followup_max_words, settings.followup_min_ratio,
                            settings.followup_topicless, settings.followup_related,
                            settings.followup_persons),
    )


def answer(store: ContentStore, tracker: Tracker, intent: Optional[str], entities: List[Any]) -> answers.Reply:
    """The answer to the latest message read as ``intent``, its premise checked first (10.6)."""
    reply = answers.answer_question(store, intent, entities, tracker.get_slot(SLOT_TOPIC))
    if reply is None:
        reply = answers.menu_reply(store, "fallback")
    return premises.premise_first(store, premises.question_text(tracker.latest_message), reply, intent,
                                  tracker.latest_message.get("intent_ranking") or [])


class StoreAction(Action, abc.ABC):
    """An action that answers from a content store (the default one unless given).

    Abstract (no name), so the action server registers only the concrete actions below.
    """

    def __init__(self, store: Optional[ContentStore] = None) -> None:
        self._store = store

    @abc.abstractmethod
    def name(self) -> Text:
        """The action's name in domain.yml."""

    @property
    def store(self) -> ContentStore:
        return self._store if self._store is not None else default_store()

    @property
    def language_notes(self) -> Dict[str, str]:
        return language.load_notes(load_settings().content_dir)

    def utter(self, dispatcher: CollectingDispatcher, tracker: Tracker, reply: answers.Reply) -> List[EventType]:
        """``utter`` in the form the reader's channel shows best."""
        return self.utter_all(dispatcher, tracker, [reply])

    def utter_all(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  replies: List[answers.Reply]) -> List[EventType]:
        """The replies in order, after the note in the reader's language when it is not English."""
        note = language.note_for(tracker.latest_message, self.language_notes)
        if note is not None:
            dispatcher.utter_message(text=note)
        channel = tracker.get_latest_input_channel()
        return [event for reply in replies for event in utter(dispatcher, reply, channel, self.store)]


class ActionAnswer(StoreAction):
    """Answer any explainer question: a topic intent, a named entity, or both."""

    def name(self) -> Text:
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        clauses = tracker.latest_message.get(compound.COMPOUND_KEY) or []
        if len(clauses) >= 2:  # two or three questions in one message, answered in order
            replies = compound.compose(compound.clause_replies(self.store, clauses, tracker.get_slot(SLOT_TOPIC)))
            if len(replies) >= 2:
                return self.utter_all(dispatcher, tracker, replies)
        entities = answers.recognised_entities(self.store, tracker.latest_message.get("entities") or [])
        intent = follow_up_intent(self.store, tracker, entities) or latest_intent(tracker)
        return self.utter(dispatcher, tracker, answer(self.store, tracker, intent, entities))


class ActionTellMore(StoreAction):
    """'Tell me more': the next detail of the topic under discussion."""

    def name(self) -> Text:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        index = int(tracker.get_slot(SLOT_DETAIL_INDEX) or 0)
        return self.utter(dispatcher, tracker, answers.tell_more(self.store, tracker.get_slot(SLOT_TOPIC), index))


class ActionAskAffirmation(StoreAction):
    """On an unsure NLU guess, offer the best candidates as buttons (Sara's pattern)."""

    def name(self) -> Text:
        return "action_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        if answers.leans_harmful(ranking):
            dispatcher.utter_message(response="utter_refuse")
            return []
        if language.reader_language(tracker.latest_message) is not None:
            # another language: the note (utter_all) and the English menu, not English guesses
            return self.utter(dispatcher, tracker, answers.menu_reply(self.store, "other_language_menu"))
        entities = answers.recognised_entities(self.store, tracker.latest_message.get("entities") or [])
        intent = follow_up_intent(self.store, tracker, entities)
        if intent is not None:  # unsure, but close to the topic under discussion
            return self.utter(dispatcher, tracker, answer(self.store, tracker, intent, entities))
        settings = load_settings()
        checked = premises.premise_topic(self.store, premises.question_text(tracker.latest_message), ranking,
                                         settings.suggestion_min_confidence)
        if checked is not None:  # a candidate's checks settle the premise: its "No:"/"Yes:" and answer
            topic = self.store.get_topic(checked)
            return self.utter(dispatcher, tracker, answer(self.store, tracker, topic.intent, entities))
        reply = answers.did_you_mean(self.store, ranking, settings.suggestion_min_confidence,
                                     settings.suggestion_min_ratio)
        return self.utter(dispatcher, tracker, reply)


class MenuAction(StoreAction):
    """A store message followed by the explainer's blocks as buttons.

    Unless the message is a follow-up about the person under discussion that the classifier
    misread as small talk ("what does he do?" as "what do you do?"): then the topic's answer.
    Only that part of the follow-up rule can apply here, as the best guess is not a topic.
    """

    message_key = ""

    def follow_up(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Optional[List[EventType]]:
        """The topic's answer when the message follows up on it, else None."""
        entities = answers.recognised_entities(self.store, tracker.latest_message.get("entities") or [])
        intent = follow_up_intent(self.store, tracker, entities)
        if intent is None:
            return None
        return self.utter(dispatcher, tracker, answer(self.store, tracker, intent, entities))

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        followed = self.follow_up(dispatcher, tracker)
        if followed is not None:
            return followed
        return self.utter(dispatcher, tracker, answers.menu_reply(self.store, self.message_key))


class ActionCapabilities(MenuAction):
    """'What can you do?': the blocks of the explainer the bot can answer."""

    message_key = "capabilities"

    def name(self) -> Text:
        return "action_capabilities"


class ActionOutOfScope(MenuAction):
    """Anything not about the explainer: say so, state no facts, show what is covered."""

    message_key = "out_of_scope"

    def name(self) -> Text:
        return "action_out_of_scope"


class ActionAfterDate(MenuAction):
    """Questions about events after the explainer: it reflects August 2021 only.

    A question it answers as of then ("how many fighters now?") gets that answer after the caveat.
    """

    message_key = "after_date"

    def name(self) -> Text:
        return "action_after_date"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        followed = self.follow_up(dispatcher, tracker)
        if followed is not None:  # "what's his job now?" on Khalil Haqqani
            return followed
        reply = answers.as_of_answer(self.store, tracker.latest_message.get("as_of"), tracker.get_slot(SLOT_TOPIC))
        if reply is not None:  # "they've got 50k members now, right?": the correction comes first
            reply = premises.premise_first(self.store, premises.question_text(tracker.latest_message), reply)
        return self.utter(dispatcher, tracker, reply or answers.menu_reply(self.store, self.message_key))


class ActionSomethingElse(MenuAction):
    """The reader declined every 'Did you mean' candidate."""

    message_key = "something_else"

    def name(self) -> Text:
        return "action_something_else"


class ActionFallback(MenuAction):
    """Not understood: ask to rephrase, never a guess."""

    message_key = "fallback"

    def name(self) -> Text:
        return "action_fallback"


class ActionSource(StoreAction):
    """'Where does your information come from?': the explainer and its date."""

    def name(self) -> Text:
        return "action_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        return self.utter(dispatcher, tracker, answers.Reply(text=self.store.message("source_answer")))


class ActionRateAnswer(StoreAction):
    """A reader's "Helpful" / "Not helpful": keep it with the topic it rates, say thanks.

    Only a rating of a known topic is kept (the ``rating`` slot, which the review reads);
    the topic under discussion is left alone.
    """

    def name(self) -> Text:
        return "action_rate_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> List[Dict[Text, Any]]:
        rating = ratings.read_rating(self.store, tracker.latest_message.get("entities") or [])
        events = self.utter(dispatcher, tracker, answers.rating_reply(self.store, rating, tracker.get_slot(SLOT_TOPIC)))
        if rating is not None:
            events.append(SlotSet(SLOT_RATING, rating.as_slot()))
        return events
