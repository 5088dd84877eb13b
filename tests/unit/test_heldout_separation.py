"""The held-out sets stay held out: no training example repeats a held-out text.

The rule and its one exception (one- or two-word small talk) are in tests/support/heldout_overlap.py.
A failure names each training example to remove (or rephrase) and the held-out text it repeats;
the held-out sets themselves are never edited to pass.
"""

from __future__ import annotations

from tests.support.heldout_overlap import (
    Text,
    exempt,
    heldout_texts,
    normalise,
    overlaps,
    training_texts,
)


def test_no_training_example_repeats_a_heldout_text() -> None:
    """Exact repeats and 80%+ shared words both count, across all three held-out sets."""
    training, heldout = training_texts(), heldout_texts()
    assert len(training) > 3000 and len(heldout) > 1200, "the loaders found the files"
    found = overlaps(training, heldout)
    assert not found, "\n".join(
        f"{e.where} [{e.label}] {e.text!r} repeats {h.where} [{h.label}] {h.text!r}"
        for e, h in found
    )


def test_markup_punctuation_and_case_do_not_hide_a_repeat() -> None:
    """An annotated, differently punctuated copy is still a copy."""
    example = Text("data/nlu/x.yml", "ask_location", "Why [Nangarhar](place) of all places")
    case = Text("tests/x", "c1", "why nangarhar, of all places?")
    assert normalise(example.text) == normalise(case.text) == "why nangarhar of all places"
    assert overlaps([example], [case]) == [(example, case)]


def test_near_copies_count_and_different_questions_do_not() -> None:
    """Four of five words shared is a repeat; a question that shares a few words is not."""
    case = Text("tests/x", "c1", "how many men have they got?")
    near = Text("data/nlu/x.yml", "ask_size", "then how many men have they got")
    other = Text("data/nlu/x.yml", "ask_size", "how many fighters does the group have")
    assert overlaps([near, other], [case]) == [(near, case)]


def test_only_short_small_talk_is_exempt() -> None:
    """'thanks' may coincide; a longer thank-you or a two-word topic question may not."""
    assert exempt(Text("data/nlu/chitchat.yml", "thank", "thanks!"))
    assert not exempt(Text("data/nlu/chitchat.yml", "thank", "thanks, that really helps"))
    assert not exempt(Text("data/nlu/size.yml", "ask_size", "fighter count?"))
