"""``manage.py grade SLUG FILE --json``, run as acceptance runs it: a subprocess from the root.

Each run uses an empty SQLite file as its database, which is also the "fresh clone
before migrate" case: the exercise must come straight from the catalog.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from exercises import offline

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "exercises" / "catalog"

WRONG_SIGMOID = """import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(x))
"""

HOSTILE = """import os

os.system("touch /tmp/actquiz-pwned")


def sigmoid(x):
    while True:
        pass
"""


def run_grade(
    tmp_path: Path, *args: str, stdin: str | None = None, extra_env: dict | None = None
) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        **(extra_env or {}),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, "manage.py", "grade", *args],
        check=False,
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


def verdict_of(result: subprocess.CompletedProcess) -> dict[str, Any]:
    # stdout must be exactly one JSON object: acceptance parses it whole.
    verdict = json.loads(result.stdout)
    assert result.stdout.strip().count("\n") == 0
    assert set(verdict) >= {"exercise", "status", "score", "max_score", "tests", "error"}
    for test in verdict["tests"]:
        assert set(test) >= {"name", "passed", "points", "max_points", "message"}
    return verdict


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_correct_sigmoid_gets_full_marks(tmp_path):
    reference = CATALOG / "sigmoid-numpy" / "reference.py"
    result = run_grade(tmp_path, "sigmoid-numpy", str(reference), "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert verdict["exercise"] == "sigmoid-numpy"
    assert verdict["status"] == "graded"
    assert verdict["score"] == verdict["max_score"] == 10.0
    assert verdict["error"] is None
    assert all(test["passed"] for test in verdict["tests"])


def test_a_wrong_sigmoid_gets_a_low_score_with_messages(tmp_path):
    result = run_grade(tmp_path, "sigmoid-numpy", write(tmp_path, "w.py", WRONG_SIGMOID), "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert verdict["status"] == "graded"
    assert verdict["score"] < verdict["max_score"] / 2
    failed = [test for test in verdict["tests"] if not test["passed"]]
    assert failed
    assert sum(test["points"] for test in verdict["tests"]) == pytest.approx(verdict["score"])
    assert any(test["message"] for test in failed)


def test_a_hostile_submission_is_a_zero_score_verdict_not_a_crash(tmp_path):
    marker = Path("/tmp/actquiz-pwned")
    marker.unlink(missing_ok=True)
    result = run_grade(tmp_path, "sigmoid-numpy", write(tmp_path, "h.py", HOSTILE), "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert (verdict["status"], verdict["score"]) == ("graded", 0.0)
    assert verdict["error"]["message"]
    assert not marker.exists()


def test_a_choice_answer_is_read_as_json(tmp_path):
    answer = write(tmp_path, "a.json", json.dumps("logits"))
    result = run_grade(tmp_path, "cross-entropy-logits", answer, "--json")
    assert result.returncode == 0, result.stderr
    assert verdict_of(result)["score"] == verdict_of(result)["max_score"]


def test_a_malformed_answer_is_a_zero_score_verdict(tmp_path):
    answer = write(tmp_path, "a.json", json.dumps({"pick": "logits"}))
    result = run_grade(tmp_path, "cross-entropy-logits", answer, "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert (verdict["status"], verdict["score"]) == ("graded", 0.0)
    assert verdict["error"]["kind"] == "invalid_answer"


def test_an_unknown_slug_is_a_usage_error(tmp_path):
    result = run_grade(tmp_path, "no-such-exercise", write(tmp_path, "x.py", "x = 1"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no-such-exercise" in result.stderr


def test_an_unreadable_file_is_a_usage_error(tmp_path):
    result = run_grade(tmp_path, "sigmoid-numpy", str(tmp_path / "missing.py"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "missing.py" in result.stderr


def test_without_json_it_prints_a_readable_report(tmp_path):
    result = run_grade(tmp_path, "cross-entropy-logits", "-", stdin="softmax")
    assert result.returncode == 0, result.stderr
    assert "cross-entropy-logits: graded, score 0 / " in result.stdout
    assert "FAIL" in result.stdout


@pytest.mark.django_db
def test_the_database_copy_of_an_exercise_wins_over_the_catalog(add_exercise):
    exercise = add_exercise("sigmoid-numpy")
    exercise.points = 20
    exercise.save(update_fields=["points"])
    spec, source = offline.exercise_spec("sigmoid-numpy")
    assert (source, spec["points"]) == ("database", 20.0)
    assert spec["reference_code"].startswith("import numpy")


@pytest.mark.django_db
def test_without_a_database_row_the_catalog_is_used():
    spec, source = offline.exercise_spec("softmax-numpy")
    assert source == "catalog"
    assert spec["entry_point"] == "softmax"


def test_a_windows_file_with_bom_and_crlf_is_graded_like_any_other(tmp_path):
    code = (CATALOG / "sigmoid-numpy" / "reference.py").read_text(encoding="utf-8")
    path = tmp_path / "windows.py"
    path.write_bytes(b"\xef\xbb\xbf" + code.replace("\n", "\r\n").encode("utf-8"))
    result = run_grade(tmp_path, "sigmoid-numpy", str(path), "--json")
    assert result.returncode == 0, result.stderr
    assert verdict_of(result)["score"] == 10.0


def test_a_binary_file_is_a_zero_score_verdict(tmp_path):
    path = tmp_path / "binary.py"
    path.write_bytes(b"\x00\xff\xfe\x80" * 64)
    result = run_grade(tmp_path, "sigmoid-numpy", str(path), "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert (verdict["status"], verdict["score"]) == ("graded", 0.0)
    assert verdict["error"]["kind"] == "encoding"


def test_a_broken_reference_is_reported_as_a_failed_grader_with_exit_3(tmp_path):
    import shutil

    catalog = tmp_path / "catalog"
    shutil.copytree(CATALOG / "sigmoid-numpy", catalog / "sigmoid-numpy")
    (catalog / "sigmoid-numpy" / "reference.py").write_text(
        "def sigmoid(x):\n    raise RuntimeError('the reference is broken')\n", encoding="utf-8"
    )
    reference = CATALOG / "sigmoid-numpy" / "reference.py"
    env_catalog = {"ACTQUIZ_CATALOG_DIR": str(catalog)}
    result = run_grade(tmp_path, "sigmoid-numpy", str(reference), "--json", extra_env=env_catalog)
    assert result.returncode == 3, result.stderr
    verdict = verdict_of(result)
    assert verdict["status"] == "failed"
    assert verdict["error"]["message"]


def test_several_files_are_graded_in_turn_one_json_verdict_per_line(tmp_path):
    reference = str(CATALOG / "sigmoid-numpy" / "reference.py")
    wrong = write(tmp_path, "w.py", WRONG_SIGMOID)
    hostile = write(tmp_path, "h.py", HOSTILE)
    result = run_grade(tmp_path, "sigmoid-numpy", reference, wrong, hostile, reference, "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    verdicts = [json.loads(line) for line in lines]
    assert [v["file"] for v in verdicts] == [reference, wrong, hostile, reference]
    assert [v["score"] for v in verdicts] == [10.0, verdicts[1]["score"], 0.0, 10.0]
    assert verdicts[1]["score"] < 10.0


def test_lang_ko_renders_the_messages_in_korean(tmp_path):
    wrong = write(tmp_path, "w.py", WRONG_SIGMOID)
    result = run_grade(tmp_path, "sigmoid-numpy", wrong, "--json", "--lang", "ko")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert verdict["lang"] == "ko"
    failed = [t for t in verdict["tests"] if not t["passed"]]
    assert any("기대값" in t["message"] for t in failed)


def test_a_file_name_that_is_not_utf8_still_makes_valid_json(tmp_path):
    reference = (CATALOG / "sigmoid-numpy" / "reference.py").read_bytes()
    odd = os.path.join(os.fsencode(tmp_path), b"bad-\xff.py")
    with open(odd, "wb") as handle:
        handle.write(reference)
    result = run_grade(tmp_path, "sigmoid-numpy", os.fsdecode(odd), "--json")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    assert verdict["score"] == 10.0 and verdict["file"].startswith(str(tmp_path))


def test_a_missing_file_among_several_grades_nothing(tmp_path):
    reference = str(CATALOG / "sigmoid-numpy" / "reference.py")
    result = run_grade(tmp_path, "sigmoid-numpy", reference, str(tmp_path / "nope.py"), "--json")
    assert result.returncode == 2
    assert result.stdout == ""


def test_an_answer_verdict_is_rendered_in_korean_and_names_no_internal_id(tmp_path):
    answer = write(tmp_path, "a.json", json.dumps(["tanh-centred", "sigmoid-centred"]))
    result = run_grade(tmp_path, "zero-centered", answer, "--json", "--lang", "ko")
    assert result.returncode == 0, result.stderr
    verdict = verdict_of(result)
    message = verdict["tests"][0]["message"]
    assert "맞지 않습니다" in message and "sigmoid는 0 중심이다" in message
    assert "sigmoid-centred" not in json.dumps([t["message"] for t in verdict["tests"]])
