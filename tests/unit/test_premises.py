"""actions/premises.py: premise checks against content/premises.yml."""
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
    from actions.actions import premise_first
    from actions.answers import answer_topic
    from actions.content_store import YamlContentStore

    store = YamlContentStore.load()
    topic = store.get_topic("size")
    assert topic is not None
    reply = premise_first("Is it true they have 20,000 fighters?", answer_topic(store, topic))
    assert reply.text.startswith("No:") and answer_topic(store, topic).text in reply.text
    assert reply.custom == answer_topic(store, topic).custom
