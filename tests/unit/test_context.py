"""actions/context.py: when a short follow-up is read as being about the topic under discussion."""

from __future__ import annotations

from typing import Any, Dict, List

from actions.content_store import YamlContentStore
from actions.context import FollowUpRule, follow_up_intent

RULE = FollowUpRule(max_words=8, min_ratio=0.5)


def ranking(*pairs: Any) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def test_a_close_second_that_is_the_current_topic_wins(tiny_store: YamlContentStore) -> None:
    """On 'base', 'why there?' scored 0.40 who / 0.30 base is about the base."""
    got = follow_up_intent(tiny_store, ranking(("ask_who", 0.4), ("ask_location", 0.3)), "why there?",
                           False, "base", RULE)
    assert got == "ask_location"


def test_a_clear_switch_is_kept(tiny_store: YamlContentStore) -> None:
    """The current topic far behind (0.1 < 0.5 x 0.8): the reader changed topic."""
    got = follow_up_intent(tiny_store, ranking(("ask_who", 0.8), ("ask_location", 0.1)), "who are they really?",
                           False, "base", RULE)
    assert got is None


def test_an_unsure_turn_under_the_fallback_marker_counts(tiny_store: YamlContentStore) -> None:
    """'Did you mean' would have been offered; the current topic is close enough to answer."""
    got = follow_up_intent(
        tiny_store, ranking(("nlu_fallback", 0.6), ("ask_who", 0.25), ("ask_location", 0.2)),
        "and why?", False, "base", RULE)
    assert got == "ask_location"


def test_no_topic_long_messages_and_names_are_left_alone(tiny_store: YamlContentStore) -> None:
    close = ranking(("ask_who", 0.4), ("ask_location", 0.3))
    assert follow_up_intent(tiny_store, close, "why there?", False, None, RULE) is None
    long = "so tell me why exactly would they go and pick that one place over all the others"
    assert follow_up_intent(tiny_store, close, long, False, "base", RULE) is None
    assert follow_up_intent(tiny_store, close, "and Herat?", True, "base", RULE) is None


def test_refusals_and_non_topic_readings_are_the_classifiers(tiny_store: YamlContentStore) -> None:
    """A harmful, out-of-scope or small-talk best guess is never turned into a topic answer."""
    for best in ("request_harmful", "out_of_scope", "thank", "tell_more"):
        got = follow_up_intent(tiny_store, ranking((best, 0.4), ("ask_location", 0.35)), "ok then?",
                               False, "base", RULE)
        assert got is None, best


def test_a_message_of_question_words_and_pronouns_is_about_the_current_topic(
    tiny_store: YamlContentStore,
) -> None:
    """'when was that?' read as founding (0.9) on 'base' is still about the base."""
    far = ranking(("ask_who", 0.9), ("ask_location", 0.01))
    for text in ("when was that?", "why?", "who did it", "says who?", "what date exactly"):
        assert follow_up_intent(tiny_store, far, text, False, "base", RULE) == "ask_location", text
    for text in ("who are they?", "where are they based?", "tell me about the leader"):
        assert follow_up_intent(tiny_store, far, text, False, "base", RULE) is None, text


def test_settings_turn_each_part_off(tiny_store: YamlContentStore) -> None:
    """A ratio above 1 and topicless=False leave every turn to the classifier."""
    off = FollowUpRule(max_words=8, min_ratio=1.01, topicless=False)
    close = ranking(("ask_who", 0.4), ("ask_location", 0.39))
    assert follow_up_intent(tiny_store, close, "why there?", False, "base", off) is None
    assert follow_up_intent(tiny_store, close, "why there?", False, "base", RULE) == "ask_location"


def test_when_on_a_topic_without_a_date_goes_to_the_related_topic_that_has_one() -> None:
    """After who IS-K are (no date), "and when was that?" read as the founding is the founding;
    after the Pakistan split (May 2019) it stays on the split; a guess that is not related stays."""
    from actions.content_store import DEFAULT_CONTENT_DIR

    store = YamlContentStore.load(DEFAULT_CONTENT_DIR)
    founding = ranking(("ask_founded", 0.7), ("ask_who", 0.1), ("ask_pakistan_section", 0.1))
    assert follow_up_intent(store, founding, "and when was that?", False, "who_are_isk", RULE) == "ask_founded"
    assert follow_up_intent(store, founding, "and when was that?", False, "pakistan_section", RULE) == \
        "ask_pakistan_section"
    assert follow_up_intent(store, founding, "who was that?", False, "who_are_isk", RULE) == "ask_who"
    off = FollowUpRule(max_words=8, min_ratio=0.5, related=False)
    assert follow_up_intent(store, founding, "and when was that?", False, "who_are_isk", off) == "ask_who"


def test_how_many_on_a_topic_without_a_number_goes_to_the_related_topic_that_has_one() -> None:
    """After who IS-K are (no number), "how many are there?" read as the size is the size; on the
    size itself, or with an unrelated guess, the current topic keeps it."""
    from actions.content_store import DEFAULT_CONTENT_DIR

    store = YamlContentStore.load(DEFAULT_CONTENT_DIR)
    size = ranking(("ask_size", 0.8), ("ask_who", 0.1))
    assert follow_up_intent(store, size, "how many are there?", False, "who_are_isk", RULE) == "ask_size"
    assert follow_up_intent(store, size, "how many are there?", False, "size", RULE) == "ask_size"
    unrelated = ranking(("ask_death_toll", 0.8), ("ask_who", 0.1))
    assert follow_up_intent(store, unrelated, "how many are there?", False, "who_are_isk", RULE) == "ask_who"
    off = FollowUpRule(max_words=8, min_ratio=0.5, related=False)
    assert follow_up_intent(store, size, "how many are there?", False, "who_are_isk", off) == "ask_who"


def test_he_or_she_on_a_topic_about_a_person_is_about_that_topic() -> None:
    """After Dr Gohel (expert_view) or Khalil Haqqani, "he" is that person whatever the guess,
    small talk and questions after August 2021 included; a refusal, "tell me more" and thanks
    are kept, "they" is the group, and a topic with no person is left to the ranking."""
    from actions.content_store import DEFAULT_CONTENT_DIR

    store = YamlContentStore.load(DEFAULT_CONTENT_DIR)
    for best in ("ask_capabilities", "ask_after_date", "out_of_scope", "ask_leader", "nlu_fallback"):
        misread = ranking((best, 0.9), ("ask_who", 0.05))
        assert follow_up_intent(store, misread, "what does he do?", False, "expert_view", RULE) == \
            "ask_collaboration", best
        assert follow_up_intent(store, misread, "what's his job now", False, "haqqani", RULE) == "ask_haqqani", best
    assert follow_up_intent(store, ranking(("ask_name", 0.9)), "do you know his name", False, "leadership",
                            RULE) == "ask_leader"
    for best in ("request_harmful", "tell_more", "thank", "goodbye"):
        kept = ranking((best, 0.9), ("ask_collaboration", 0.05))
        assert follow_up_intent(store, kept, "tell me more about him", False, "expert_view", RULE) is None, best
    capabilities = ranking(("ask_capabilities", 0.9), ("ask_who", 0.05))
    assert follow_up_intent(store, capabilities, "what do they do?", False, "expert_view", RULE) is None
    assert follow_up_intent(store, capabilities, "what does he do?", False, "size", RULE) is None
    assert follow_up_intent(store, capabilities, "what does he do?", True, "expert_view", RULE) is None
    off = FollowUpRule(max_words=8, min_ratio=0.5, persons=False)
    assert follow_up_intent(store, capabilities, "what does he do?", False, "expert_view", off) is None


def test_a_name_the_current_topic_covers_does_not_switch_away() -> None:
    """"and the Taliban's?" on IS-K's global aims names the Taliban, which that topic covers, so
    it can still follow up; Herat on the same topic, or any name with no topic yet, may switch."""
    from actions.content_store import DEFAULT_CONTENT_DIR
    from actions.context import names_other

    store = YamlContentStore.load(DEFAULT_CONTENT_DIR)
    assert not names_other("global_ambitions", ["taliban"], store)
    assert not names_other("haqqani", ["taliban", "khalil_haqqani"], store)
    assert names_other("global_ambitions", ["herat"], store)
    assert names_other("global_ambitions", ["taliban", "herat"], store)
    assert names_other(None, ["taliban"], store)
    assert not names_other(None, [], store)
