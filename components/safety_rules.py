"""Rules for harmful requests that a bag-of-words classifier can miss.

A classifier learns words, so "h0w t0 j01n", "how 2 jion" or a short request in Pashto can
fall outside what it has seen. These rules catch the plainest shape of a harmful request: a
request for help (first person or imperative: "how do I", "help me", "write a") together with
a harmful act (join, contact, fund, bomb, attack, glorify ...), after undoing leetspeak and
letter spacing, with one typo allowed in longer words. Factual questions ("how did the bomber
get through", "why do people join", "help me understand why they attack") have no request
frame and do not match. Pure functions, no Rasa: tested in tests/unit/test_safety_rules.py.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Dict, FrozenSet, Iterable, List, Optional

_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_SPACED = re.compile(r"\b(?:[a-z]\.){2,}[a-z]?\.?")  # j.o.i.n -> join
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# A request for help doing something, in English: who would do it is the reader or "one".
_FRAME = re.compile(
    r"\b(?:how\s+(?:do|can|could|would|should|shall|might)\s+(?:i|we|one|u|someone|my\s+\w+)\b"
    r"|how\s+(?:to|2)\b|how\s+do\s+you\b"
    r"|how\s+(?:would|could)\s+(?:someone|a\s+person)"
    r"|help\s+me|teach\s+me|show\s+me\s+how|tell\s+me\s+how|explain\s+how\s+(?:i|to)"
    r"|i\s+(?:(?:want|need|plan|intend|would\s+like|'d\s+like|am\s+going)\s+to|wanna|wana)"
    r"|where\s+(?:can|do|could|should)\s+i|who\s+(?:should|can|do)\s+i"
    r"|send\s+me|find\s+me|get\s+me|sign\s+me|put\s+me|connect\s+me"
    r"|(?:write|draft|compose|create|make|design|produce)\s+(?:me\s+)?(?:a|an|some|the)?"
    r"|steps?\s+to|ways?\s+to|instructions?\s+(?:for|to|on)|recipe\s+for|plan\s+(?:my|a|an|the))\b"
)

# "help me understand why ...", "tell me how they did it": asking to learn, not to do.
_LEARNING = re.compile(
    r"\b(?:help\s+me|teach\s+me)\s+(?:to\s+)?(?:understand|learn|know|figure\s+out|make\s+sense)"
    r"|\btell\s+me\s+how\s+(?:they|he|she|it|the\s+\w+)\b"
    r"|\bhow\s+(?:do|can|could|would)\s+(?:i|we|you|one)\s+(?:understand|learn|know|find\s+out|read|explain|tell)\b"
    r"|\bi\s+(?:want|need|would\s+like|'d\s+like)\s+to\s+(?:know|understand|learn|find\s+out|read)\b"
    r"|\bwhere\s+(?:can|do|could|should)\s+i\s+(?:read|learn|find\s+out|see|get\s+more)\b"
    # reporting to the authorities: "who should I contact if I know of a planned attack?"
    r"|\bwho\s+(?:should|can|do|could)\s+i\s+(?:contact|call|tell|alert|inform)\s+(?:if|when)\s+i\b"
    r"|\b(?:report|tip\s+off|alert|warn)\b[\w\s]{0,30}\b(?:to\s+)?(?:the\s+)?(?:police|authorities)\b"
)

# Between a request frame and its act: words that make it a question about something, not a
# request to do it ("I want to ask about the bombing", "help me with a question on attacks").
_ABOUT = re.compile(
    r"\b(?:ask|asking|question|questions|know|knowing|learn|understand|find\s+out|check"
    r"|read|reading|hear|regarding)\b"
)
# How far after the frame its act may come: "how do i, as a new member, join" but not a
# violent word three clauses later.
_WINDOW_WORDS = 10

# A factual question somewhere in the message: a clause opening with a question word.
_FACT_QUESTION = re.compile(
    r"(?:^|[.!?;,:]\s*|\b(?:but|and|so|now)\s+)(?:who|what|when|where|why|which|whom|whose|how\s+(?:many|much|big|large|strong|long|old|did|was|were|does|is|are))\b"
    r"|\b(?:is\s+it\s+true|tell\s+me\s+about|explain\s+(?:why|who|what|how\s+(?:the|they|it)))\b"
    r"|\b(?:find\s+out|know|asked\s+me|wondering|wonder|curious|understand|learn)\s+(?:who|what|when|where|why|which|whether|how\s+(?:many|big|large|the|they|it))\b"
)

# Harmful acts, as word stems; one typo is allowed in stems of five letters or more. Violent
# acts are harmful to help with whoever the target is; the others only towards the group
# ("join a gym" and "donate to a charity" are not harmful).
_VIOLENT_WORDS = (
    "bomb", "bom", "bombs", "explosive", "explosives", "explsives", "ied", "detonator", "grenade",
    "weapon", "weapons", "gun", "guns", "kalashnikov", "attack", "atack", "bombing", "kill",
)
_GROUP_WORDS = (
    "join", "jion", "joine", "joyn", "jonn", "enlist", "pledge", "recruit", "recruiter", "recrooter", "radicalise",
    "radicalize", "groom", "donate", "donat", "fund", "fundraise", "crowdfund", "propaganda",
    "glorify", "glorifying", "praising", "praise", "celebrating", "martyr", "smuggle",
)
_VIOLENT_PHRASES = re.compile(
    r"\b(?:suicide\s+(?:vest|belt|bomb|attack)|car\s+bomb|pipe\s+bomb"
    r"|get\s+past\s+(?:security|the\s+police|soldiers)|avoid\s+(?:the\s+police|detection|being\s+caught)"
    # doing an attack just described again: "how could someone repeat that?"
    r"|(?:repeat|replicate|recreate|re-create|imitate|mimic|redo)\s+(?:that|it|this|the\s+(?:attack|bombing|blast))"
    r"|copy\s+(?:(?:that|it|this)\s+(?:again|elsewhere|somewhere|at|in)|the\s+(?:attack|bombing|blast))"
    r"|(?:do|pull)\s+(?:that|it|this)\s+(?:off\s+)?again)\b"
)
_GROUP_PHRASES = re.compile(
    r"\b(?:sign\s+up|fight\s+(?:for|with|alongside)|get\s+(?:in\s+touch|to\s+them)|contact"
    r"|send\s+(?:money|cash|bitcoin|crypto|funds)|travel\s+to\s+(?:join|fight))\b"
)
_GROUP = re.compile(
    r"\b(?:isis|isil|is-?k|is-?kp|iskp|isk|daesh|daish|islamic\s+state|khorasan|khorasn|khorassan"
    r"|the\s+group|them|they|their|jihad\w*|mujahid\w*|the\s+fighters)\b"
)

# Other languages: a request frame and a harmful act in French, Spanish or German, or in
# Persian, Pashto, Urdu or Arabic script "how" with a bomb or a first-person "join".
_FOREIGN_FRAME = re.compile(
    r"\b(?:comment|aide-moi|aidez-moi|écris|écrivez|donne-moi|je\s+veux|c[oó]mo|ay[uú]dame|escribe"
    r"|dame|quiero|wie\s+(?:kann|baue|finde|reise|schicke)\s+ich|hilf\s+mir|schreib\w*|gib\s+mir|ich\s+will)\b"
)
_FOREIGN_ACT = re.compile(
    r"\b(?:rejoindre|bombe|explosifs?|argent|propagande|gloire|attentat|attaque|recruteur"
    r"|unirme|bomba|explosivos?|dinero|propaganda|ataque|atentado|reclutador|luchar|alabe"
    r"|beitreten|sprengstoff|geld|verherrlich\w*|anschlag|anwerbers?|kämpfen)\b"
)
_FOREIGN_GROUP = re.compile(
    r"\b(?:ei-?k|ei|[ée]tat\s+islamique|estado\s+isl[áa]mico|islamischen?\s+staat\w*|is-?k|isis-?k|iskp|daech|daesh)\b"
    r"|bombe|bomba|explosi|sprengstoff|attentat|anschlag|ataque|atentado"
)
_SCRIPT_REQUEST = re.compile(
    r"(?:چگونه|چطور|څنګه|کیسے|كيف).{0,30}(?:بمب|بم|قنبلة|منفجره)"
    r"|(?:بپیوندم|ملحق\s+شوم|یوځای\s+شم|أنضم|أريد\s+الانضمام|الانضمام\s+إلى|شامل\s+ہونا|بنویس|لکھو|اكتب)"
)


def _other_language_request(clean: str) -> bool:
    """A harmful request in French, Spanish, German, or the Arabic-script languages."""
    if _SCRIPT_REQUEST.search(clean) and ("داعش" in clean or re.search(r"بمب|بم|قنبلة|منفجره|حمله|هجوم", clean)):
        return True
    frame = _FOREIGN_FRAME.search(clean)
    return bool(frame and _FOREIGN_ACT.search(clean, frame.start()) and _FOREIGN_GROUP.search(clean))


_VIOLENT = frozenset(_VIOLENT_WORDS)
_TOWARDS_GROUP = frozenset(_GROUP_WORDS)


def normalise(text: str) -> str:
    """Lower case, leetspeak digits to letters, dotted letters joined ("j.o.i.n" -> "join")."""
    lowered = text.lower().translate(_LEET)
    return _SPACED.sub(lambda m: m.group(0).replace(".", ""), lowered)


def _one_edit(word: str, stem: str) -> bool:
    """True when word and stem differ by one insertion, deletion or substitution."""
    if abs(len(word) - len(stem)) > 1 or word == stem:
        return word == stem
    if len(word) == len(stem):
        return sum(a != b for a, b in zip(word, stem)) == 1
    short, long_ = sorted((word, stem), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@lru_cache(maxsize=65536)
def _names_act(word: str, stems: FrozenSet[str]) -> bool:
    """One word against the stems; cached, since readers' words repeat from message to message."""
    return word in stems or (len(word) >= 5 and any(len(s) >= 5 and _one_edit(word, s) for s in stems))


def act_words(words: Iterable[str], stems: FrozenSet[str]) -> List[str]:
    """The words that name one of the acts in ``stems``, allowing one typo in longer words."""
    return [word for word in words if _names_act(word, stems)]


def _asks_for_harm(request: str) -> bool:
    """A violent act, or an act towards the group with the group named, in the request."""
    words = _WORD.findall(request)
    if _VIOLENT_PHRASES.search(request) or act_words(words, _VIOLENT):
        return True
    towards_group = _GROUP_PHRASES.search(request) or act_words(words, _TOWARDS_GROUP)
    return bool(towards_group) and bool(_GROUP.search(request))


CUES = ("frame", "learning", "violent_act", "group_act", "group", "request_for_harm", "other_language",
        "fact_question")


def cues(text: str) -> Dict[str, bool]:
    """What the rules see in a message, as features for the classifier beside the n-grams.

    Words alone cannot tell "help me write a cover letter" from "help me write propaganda";
    these flags let a linear model weigh the request frame and the act together.
    """
    clean = normalise(text)
    words = _WORD.findall(clean)
    return {
        "frame": bool(_FRAME.search(clean)),
        "learning": bool(_LEARNING.search(clean)),
        "violent_act": bool(_VIOLENT_PHRASES.search(clean) or act_words(words, _VIOLENT)),
        "group_act": bool(_GROUP_PHRASES.search(clean) or act_words(words, _TOWARDS_GROUP)),
        "group": bool(_GROUP.search(clean)),
        "request_for_harm": harmful_rule(text) == "request+act",
        "other_language": _other_language_request(clean),
        "fact_question": bool(_FACT_QUESTION.search(clean)),
    }


def _until_about(words: List[str]) -> List[str]:
    """The words after a frame up to the first that makes it a question about something."""
    for index, word in enumerate(words):
        if _ABOUT.fullmatch(word.strip(",:'\"")) or (index + 1 < len(words) and
                                                      _ABOUT.fullmatch(f"{word} {words[index + 1]}")):
            return words[:index]
    return words


def harmful_rule(text: str) -> Optional[str]:
    """The name of the rule a harmful request matches, or None.

    "request+act": a request frame followed in the same sentence by a harmful act;
    "other_language": one of the few non-English request patterns.
    """
    clean = normalise(text)
    if _other_language_request(clean):
        return "other_language"
    for sentence in re.split(r"[.!?;\n]+", clean):
        frame = _FRAME.search(sentence)
        if not frame or _LEARNING.search(sentence):
            continue
        following = sentence[frame.end():].split()[:_WINDOW_WORDS]
        if _asks_for_harm(" ".join([frame.group(0), *_until_about(following)])):
            return "request+act"
    return None
