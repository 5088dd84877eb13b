"""actions/premises.py: premise checks against content/premises.yml."""
import pytest

from actions.premises import check_premise, load_premises

PREMISES = load_premises()


def test_wrong_year_is_corrected() -> None:
    verdict = check_premise("Was IS-K started in 2012?", "founding", PREMISES)
    assert verdict is not None and not verdict.holds
    assert verdict.text.startswith("No:") and "2015" in verdict.text and "2012" in verdict.text


def test_right_year_is_confirmed() -> None:
    verdict = check_premise("did the group begin in 2015?", "founding", PREMISES)
    assert verdict is not None and verdict.holds and verdict.text.startswith("Yes:")


def test_wrong_number_is_corrected() -> None:
    verdict = check_premise("Is it true IS-K has 20,000 men?", "size", PREMISES)
    assert verdict is not None and not verdict.holds and "3,000" in verdict.text


def test_number_inside_range_holds() -> None:
    verdict = check_premise("do they have around 2500 fighters?", "size", PREMISES)
    assert verdict is not None and verdict.holds


def test_wrong_province_is_corrected() -> None:
    verdict = check_premise("Are they based in Helmand?", "base", PREMISES)
    assert verdict is not None and not verdict.holds and "Nangarhar" in verdict.text


def test_right_province_holds() -> None:
    verdict = check_premise("is their base in nangarhar?", "base", PREMISES)
    assert verdict is not None and verdict.holds


def test_no_premise_gives_none() -> None:
    assert check_premise("how many fighters do they have?", "size", PREMISES) is None
    assert check_premise("Are they dangerous?", "base", PREMISES) is None


def test_answer_starts_with_the_correction() -> None:
    from actions.premises import premise_first
    from actions.answers import answer_topic
    from actions.content_store import YamlContentStore

    store = YamlContentStore.load()
    topic = store.get_topic("size")
    assert topic is not None
    reply = premise_first(store, "Is it true they have 20,000 fighters?", answer_topic(store, topic))
    assert reply.text.startswith("No:") and answer_topic(store, topic).text in reply.text
    assert reply.custom == answer_topic(store, topic).custom


def test_airport_attack_date_and_actor() -> None:
    wrong_day = check_premise("Did the airport bombing happen on 15 August?", "airport_attack", PREMISES)
    assert wrong_day is not None and wrong_day.text.startswith("No:") and "26 August" in wrong_day.text
    assert "15 August" in wrong_day.text
    right_day = check_premise("was the airport attack on August 26th?", "airport_attack", PREMISES)
    assert right_day is not None and right_day.holds
    actor = check_premise("Did the Taliban carry out the airport attack?", "airport_attack", PREMISES)
    assert actor is not None and actor.text.startswith("No: IS-K, not the Taliban,")


def test_places_attacked_are_confirmed_and_silence_is_not_a_no() -> None:
    kabul = check_premise("Has IS-K attacked Kabul?", "provinces", PREMISES)
    assert kabul is not None and kabul.holds
    assert check_premise("have they attacked Kandahar?", "provinces", PREMISES) is None


def test_not_mentioned_place_still_gets_the_base_correction() -> None:
    """'Are they based in Kandahar?': the reply is about Kandahar (not mentioned), the topic is base."""
    from actions.answers import answer_entity
    from actions.content_store import YamlContentStore
    from actions.premises import premise_first

    store = YamlContentStore.load()
    kandahar = store.find_entity("Kandahar")
    assert kandahar is not None
    reply = premise_first(store, "Are they based in Kandahar?", answer_entity(store, kandahar, None), "ask_location")
    assert reply.text.startswith("No: IS-K's base is Nangarhar") and "Kandahar" in reply.text
    # the correction is the base section's fact: the reply now says so, and carries its payload
    assert reply.text.rstrip().endswith("_") and "Source:" in reply.text.splitlines()[-1]
    assert reply.custom["topic"] == "base" and reply.topic_id == "base"


def test_a_name_question_is_checked_against_the_best_ranked_topic() -> None:
    """'they're based in Kandahar, right?' read as a name question (0.75), the base second (0.24)."""
    from actions.answers import answer_entity
    from actions.content_store import YamlContentStore
    from actions.premises import premise_first

    store = YamlContentStore.load()
    reply = answer_entity(store, store.find_entity("Kandahar"), None)
    text = "they're based in Kandahar, right?"
    ranked = [{"name": "ask_entity", "confidence": 0.75}, {"name": "ask_location", "confidence": 0.24}]
    assert premise_first(store, text, reply, "ask_entity", ranked).text.startswith("No: IS-K's base is Nangarhar")
    distant = [{"name": "ask_entity", "confidence": 0.95}, {"name": "ask_location", "confidence": 0.04}]
    assert premise_first(store, text, reply, "ask_entity", distant).text == reply.text
    assert premise_first(store, text, reply, "ask_entity").text == reply.text


def test_the_question_inside_a_wrapper_is_checked() -> None:
    from actions.premises import question_text

    parse = {"text": "hi there! is it true they have 20,000 fighters? thanks",
             "wrapper": {"text": "is it true they have 20,000 fighters?"}}
    verdict = check_premise(question_text(parse), "size", PREMISES)
    assert verdict is not None and not verdict.holds


def test_one_wrong_part_makes_the_premise_wrong() -> None:
    verdict = check_premise("Is there a $10m bounty on Khalil Haqqani?", "haqqani", PREMISES)
    assert verdict is not None and not verdict.holds and "$5m" in verdict.text


@pytest.mark.parametrize("question, topic, holds", [
    ("Are IS-K and the Taliban allies?", "taliban_links", False),
    ("Are IS-K and the Taliban enemies?", "taliban_links", True),
    ("Is IS-K part of the Taliban?", "who_are_isk", False),
    ("Did IS-K welcome the Doha deal?", "doha_deal", False),
    ("Does IS-K only care about Afghanistan?", "global_ambitions", False),
    ("Does IS-K see the Taliban as true Muslims?", "apostates", False),
    ("Is Khalil Haqqani the leader of IS-K?", "haqqani", False),
    ("Does IS-K still cover Pakistan?", "pakistan_section", False),
    ("Has IS-K attacked Sikhs?", "targets", True),
])
def test_claims_the_explainer_settles(question: str, topic: str, holds: bool) -> None:
    verdict = check_premise(question, topic, PREMISES)
    assert verdict is not None and verdict.holds is holds
    assert verdict.text.startswith("Yes:" if holds else "No:")


@pytest.mark.parametrize("question, topic", [
    ("Is IS-K linked to the Taliban?", "taliban_links"),   # an open yes/no: the answer itself
    ("Does IS-K recruit women?", "recruitment"),           # the explainer is silent: no "No"
    ("Did the airport attack kill 200 people?", "death_toll"),
])
def test_questions_the_explainer_does_not_settle_get_no_verdict(question: str, topic: str) -> None:
    assert check_premise(question, topic, PREMISES) is None


def test_a_claim_with_a_bad_pattern_is_refused_at_load(tmp_path) -> None:
    path = tmp_path / "premises.yml"
    path.write_text('size:\n  - {kind: claim, contradicts: ["(unclosed"], correct: "No: x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="bad pattern"):
        load_premises(path)


def verdict_of(text: str, topic: str, real_store=None):
    """The verdict premise_first would give, with the question's named entities from the store."""
    return check_premise(text, topic, PREMISES, store=real_store)


@pytest.mark.parametrize("text, topic", [
    ("they're based in helmand, right?", "base"),
    ("the airport attack was on 15 August, wasn't it?", "airport_attack"),
    ("I heard the Taliban carried out the airport attack", "airport_attack"),
    ("am I right that IS-K was founded in 2012?", "founding"),
    ("so they have 20,000 fighters?", "size"),
])
def test_tag_questions_and_reported_premises_are_checked(text: str, topic: str) -> None:
    verdict = verdict_of(text, topic)
    assert verdict is not None and verdict.text.startswith("No:"), text


@pytest.mark.parametrize("text, topic", [
    ("is it true IS-K only recruits afghans?", "recruitment"),      # a limiter, no "Yes"
    ("is nangarhar in western afghanistan?", "base"),                  # a wrong direction
    ("so IS-K has never attacked the Taliban, correct?", "targets"),   # a negated fact
    ("do the taliban and IS-K share the same global ambitions?", "global_ambitions"),
])
def test_narrowed_or_negated_premises_are_not_confirmed(text: str, topic: str) -> None:
    verdict = verdict_of(text, topic)
    assert verdict is not None and verdict.text.startswith("No:"), text


def test_a_yes_must_cover_every_name_in_the_question(real_store) -> None:
    """'emptied by US forces?' matches 'emptied' but the Yes sentence names no US forces."""
    assert verdict_of("was pul-e-charki jail emptied?", "prisoner_release", real_store).holds
    verdict = verdict_of("did khalil haqqani run security in herat?", "haqqani", real_store)
    assert verdict is None or not verdict.holds


def test_unchecked_quantities_and_limiters_withhold_the_yes() -> None:
    assert verdict_of("was the jail emptied?", "prisoner_release").holds
    assert verdict_of("was the jail emptied of 2,000 IS-K members?", "prisoner_release") is None
    assert verdict_of("did they attack schools?", "atrocities").holds
    assert verdict_of("did they only attack schools?", "atrocities") is None


def test_a_choice_is_not_a_premise() -> None:
    assert verdict_of("was IS-K founded before or after the caliphate fell?", "founding") is None
    assert verdict_of("was it founded after the caliphate fell?", "founding").text.startswith("No:")
