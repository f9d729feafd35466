"""The one error a malformed answer raises."""

from __future__ import annotations


class InvalidAnswer(ValueError):
    """An answer that does not have the shape its exercise asks for.

    The REST API turns it into a 400 before anything is queued, so the message is
    written for the student: it says what was expected, never what is correct.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
