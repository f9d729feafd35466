"""Exercises, courses and submissions: the Django side of ActQuiz."""
