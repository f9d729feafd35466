from tests.exercises.conftest import (  # noqa: F401
    client_for,
    course,
    grader,
    make_user,
    student,
)
