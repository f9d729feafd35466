"""Whether a rubric term is negated where it stands in a student's sentence.

A key idea written with a negation in front of it ("ReLU does not output 0", "기울기는
0이 아니다", "the unit never dies", "뉴런은 죽지 않는다") says the opposite of the
idea, so it must not earn the idea's points. Some ideas are themselves negative
("no gradient flows back", "가중치가 갱신되지 않는다"): their synonym groups list the
negation as a term, and a negation the idea matched as one of its own terms is part
of the idea, not a negation of it.

The scope is deliberately short, as negation is in both languages:

- an English cue (``not``, ``never``, ``no``, ``n't``, ``cannot``, ``without`` ...)
  negates a term that follows within two words in the same clause ("does not
  *output* 0", "never *dies*");
- a Korean cue (``않``, ``없``, ``못``, ``아니``) negates a term it follows within a few
  characters in the same clause ("0을 출력하지 *않*는다", "0이 *아니*다"), and ``안``/``못``
  written as a word negates the term right after it ("*안* 죽는다").

Clauses end at punctuation and at the conjunctions and connective endings that
start a new statement ("and", "so", "-고", "-며", "-서" ...), so "it outputs 0, and
the slope is not 1" does not negate the 0.
"""

from __future__ import annotations

import re

_ENGLISH_CUE = re.compile(
    r"(?<![a-z])(?:not|no|never|cannot|without|neither|nor|none)(?![a-z])|n't(?![a-z])"
)
_KOREAN_CUE_AFTER = re.compile(r"않|없|못|아니")
_KOREAN_CUE_BEFORE = re.compile(r"(?<![가-힣])(?:안|못) ")
# What ends a clause: punctuation, English conjunctions, Korean connective endings
# followed by a space.
_ENGLISH_BREAK = re.compile(
    r"[,;:()\[\]\-–—]|(?<![a-z])(?:and|but|so|because|which|that|while|then|if|when)(?![a-z])"
)
_KOREAN_BREAK = re.compile(r"[,;:()\[\]]|(?:고|며|서|면|니까|지만|는데|라서|므로) ")
_ENGLISH_WORDS_BETWEEN = 2
_KOREAN_CHARS_BETWEEN = 8

NEGATION_TERM = re.compile(
    _ENGLISH_CUE.pattern + "|" + _KOREAN_CUE_AFTER.pattern + r"|(?<![가-힣])안(?: |$)"
)


def is_negation_term(term: str) -> bool:
    """Whether a rubric term carries a negation itself ("no ", "않", "doesn't", "출력하지 않").

    Args:
        term: a normalised rubric term.
    """
    return NEGATION_TERM.search(term) is not None


def negated(sentence: str, span: tuple[int, int], ignore: list[tuple[int, int]]) -> bool:
    """Whether the term at ``span`` of ``sentence`` is negated.

    Args:
        sentence: one normalised sentence of the answer.
        span: where the term stands in it.
        ignore: spans of the idea's own terms; a negation inside one of them belongs to
            the idea ("no gradient") and negates nothing.

    Returns:
        True when a negation cue scopes over the term (see the module docstring).
    """
    start, end = span

    def free(cue: re.Match[str]) -> bool:
        return not any(cue.start() < b and a < cue.end() for a, b in ignore)

    for cue in _ENGLISH_CUE.finditer(sentence, 0, start):
        between = sentence[cue.end() : start]
        if (
            free(cue)
            and not _ENGLISH_BREAK.search(between)
            and len(between.split()) <= _ENGLISH_WORDS_BETWEEN
        ):
            return True
    for cue in _KOREAN_CUE_BEFORE.finditer(sentence, 0, start):
        if free(cue) and not sentence[cue.end() : start].strip():
            return True
    for cue in _KOREAN_CUE_AFTER.finditer(sentence, end):
        between = sentence[end : cue.start()]
        if len(between) > _KOREAN_CHARS_BETWEEN:
            break
        if free(cue) and not _KOREAN_BREAK.search(between):
            return True
    return False
