"""Matching a short text answer against an instructor's rubric of key ideas.

An idea is present when one sentence of the answer contains a term from every one of
its synonym groups (``all_of``): "ReLU outputs 0 for negative inputs" matches
``[["negative", "음수"], ["0", "zero", "영"]]``. Requiring one sentence, rather than
anywhere in the answer, keeps scattered words from adding up to an idea.

Matching is on normalised text (NFKC, lower case, invisible format characters such
as zero-width spaces removed, whitespace collapsed). An ASCII term must start at a
word boundary and may take a suffix ("gradient" matches "gradients", not
"antigradient"); a term ending in a digit must not run into more digits ("0" does not
match "0.25" or "10"). Korean terms match anywhere, since particles attach to the
word ("음수" matches "음수일", "음수가"). A term written with a trailing space must end
a word: "no " matches "no gradient" but not "normal", "안 " matches "안 된다" but not
"안에".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from graders.engine.answers import negation

_SENTENCE_END = re.compile(r"(?<=[.!?。？！])\s+|\n+|(?<=[.!?。？！])$")
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Return ``text`` in the form terms are matched against.

    Args:
        text: a student's answer or a rubric term.

    Returns:
        NFKC-normalised, lower-cased text without format characters (category Cf,
        e.g. zero-width spaces that would split a word invisibly), whitespace collapsed.
    """
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    # Phones and word processors type curly apostrophes: "don’t" must match "don't".
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"[ \t\r\f\v]+", " ", text.lower()).strip()


def sentences(text: str) -> list[str]:
    """Split normalised text into sentences (at . ! ? followed by space, and newlines)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


@lru_cache(maxsize=4096)
def term_pattern(term: str) -> re.Pattern[str]:
    """The compiled pattern one rubric term matches with (see the module docstring)."""
    whole_word = term.endswith(" ")
    term = normalise(term)
    body = re.escape(term)
    if term.isascii():
        if term[:1].isalnum():
            body = r"(?<![a-z0-9])" + body
        if term[-1:].isdigit():
            body += r"(?![0-9]|\.[0-9])"
    if whole_word:
        body += r"(?!\w)"
    return re.compile(body)


@dataclass(frozen=True)
class Match:
    """Where an idea was found: the sentence index and the spans of the terms in it."""

    sentence: int
    spans: tuple[tuple[int, int], ...]


def find_idea(answer_sentences: list[str], all_of: list[list[str]]) -> Match | None:
    """Find the first sentence containing a term of every group, none of them negated.

    In each group a plain term is preferred to one that carries a negation itself
    ("die" to "not " in "the unit does not die"), so a negation is read as part of the
    idea only when the idea has nothing else to say there ("no gradient flows back").
    A group whose plain terms are all negated in a sentence is missing from it
    (``negation.py``).

    Args:
        answer_sentences: the normalised answer split by ``sentences``.
        all_of: the idea's synonym groups.

    Returns:
        The match, or ``None`` if no sentence states the idea.
    """
    for index, sentence in enumerate(answer_sentences):
        hits = [_group_hits(sentence, group) for group in all_of]
        if not all(plain or negative for plain, negative in hits):
            continue
        # A negation the idea uses as its own term is part of the idea.
        own = [negative[0] for plain, negative in hits if not plain]
        spans = []
        for plain, negative in hits:
            if not plain:
                spans.append(negative[0])
                continue
            standing = [s for s in plain if not negation.negated(sentence, s, own)]
            if not standing:
                break
            spans.append(standing[0])
        else:
            return Match(index, tuple(spans))
    return None


def _group_hits(
    sentence: str, group: list[str]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Where the group's terms occur: plain terms' spans, then negation terms' spans."""
    plain: list[tuple[int, int]] = []
    negative: list[tuple[int, int]] = []
    for term in group:
        found = [hit.span() for hit in term_pattern(term).finditer(sentence)]
        (negative if negation.is_negation_term(normalise(term)) else plain).extend(found)
    return plain, negative


def term_density(answer_sentences: list[str], terms: list[str]) -> float:
    """Share of the answer's word characters that belong to rubric terms.

    A genuine explanation spends most of its letters on words that join the ideas;
    a list of keywords pasted to collect points is nearly all terms.

    Args:
        answer_sentences: the normalised answer split by ``sentences``.
        terms: every term of every idea in the rubric.

    Returns:
        A number between 0 and 1 (0 for an answer without word characters).
    """
    covered = 0
    total = 0
    for sentence in answer_sentences:
        mask = [False] * len(sentence)
        for term in terms:
            for hit in term_pattern(term).finditer(sentence):
                for pos in range(*hit.span()):
                    mask[pos] = True
        for word in _WORD.finditer(sentence):
            total += word.end() - word.start()
            covered += sum(mask[word.start() : word.end()])
    return covered / total if total else 0.0
