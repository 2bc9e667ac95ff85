"""Any mix of pipelines: every notebook question, CLI verb, detection and a playbook complete, and say what
the source cannot show (issue "real accounts").

Real accounts rarely deliver all four pipelines: CloudTrail alone is the commonest set-up (model
invocation logging is off by default, spans exist only where agents run with ADOT, a default trail records
management events only). Each mix is simulated small (``aiaudit simulate --pipelines ...``), also without
its ``aiaudit.toml`` (no ``[environment]`` baseline), beside an empty folder, a folder of only damaged files
and the real samples. Nothing may raise; every pipeline a question reads and the source lacks is named in
its notes with how to collect it; ``aiaudit detect`` names it too and reports no entry error.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from aiaudit.cli import main
from aiaudit.investigate.availability import ABOUT
from aiaudit.notebooks import questions
from aiaudit.notebooks.investigation import start
from aiaudit.simulate import simulate

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

MIXES: dict[str, tuple[str, ...]] = {
    "cloudtrail": ("cloudtrail",),
    "cloudtrail-management": ("cloudtrail-management",),
    "cloudtrail+invocations": ("cloudtrail", "invocations"),
    "cloudtrail+spans+runtime": ("cloudtrail", "spans", "runtime_logs"),
    "invocations": ("invocations",),
    "spans": ("spans",),
    "all": ("cloudtrail", "invocations", "spans", "runtime_logs"),
}
#: what each mix lacks (by the names of investigate.availability.ABOUT)
LACKS: dict[str, set[str]] = {
    "cloudtrail": {"invocations", "spans", "runtime_logs"},
    "cloudtrail-management": {"invocations", "spans", "runtime_logs", "cloudtrail-data"},
    "cloudtrail+invocations": {"spans", "runtime_logs"},
    "cloudtrail+spans+runtime": {"invocations"},
    "invocations": {"cloudtrail", "spans", "runtime_logs"},
    "spans": {"cloudtrail", "invocations", "runtime_logs"},
    "all": set(),
}
CASES = [*MIXES, *(f"{m} no-environment" for m in MIXES), "empty", "damaged"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    root = tmp_path_factory.mktemp("mixes")
    made: dict[str, Path] = {}

    def make(case: str) -> Path:
        if case in made:
            return made[case]
        mix, _, variant = case.partition(" ")
        out = root / case.replace(" ", "_").replace("+", "_")
        if mix in MIXES:
            simulate(out, days=1, seed=5, scale=0.05, pipelines=MIXES[mix])
            if variant == "no-environment":
                (out / "aiaudit.toml").unlink()
        elif mix == "empty":
            out.mkdir()
        elif mix == "damaged":
            out.mkdir()
            (out / "cut.json").write_text(
                '{"Records": [{"eventTime": "2026-11-19T10:00:00Z", "eventName": "Li', "utf-8"
            )
            (out / "broken.json.gz").write_bytes(b"\x1f\x8b\x08\x00 not really gzip")
            (out / "binary.jsonl").write_bytes(b"\xff\xfe\x00garbage\n")
        made[case] = out
        return out

    return make


def _anchor(case: str) -> str:
    return "now" if case in ("empty", "damaged") else "data-end"


NOTHING = "the source holds no telemetry at all"


def _named(notes: list[str], requirement: str) -> bool:
    """A note says this requirement is missing (messages start "no <pipeline name> ...")."""
    if requirement == "cloudtrail-data":
        return any(note.startswith("CloudTrail holds management events only") for note in notes)
    return any(note.startswith(f"no {ABOUT[requirement][0]} ") for note in notes)


@pytest.mark.parametrize("case", CASES)
def test_every_question_completes_and_names_what_is_missing(case: str, folder: Callable[[str], Path]) -> None:
    path = folder(case)
    mix = case.split(" ")[0]
    for name in questions.QUESTIONS:
        inv = start(name, source=f"local:{path}", since="24h", anchor=_anchor(case))
        answer = questions.answer(name, inv)
        if mix in ("empty", "damaged"):
            assert any(note.startswith(NOTHING) for note in answer.notes), f"{case} {name}: {answer.notes}"
            continue
        for requirement in questions.READS[name]:
            said = _named(answer.notes, requirement)
            if requirement in LACKS[mix]:
                assert said, f"{case} {name}: nothing says {requirement} is missing"
            else:
                assert not said, f"{case} {name}: {requirement} wrongly called missing"


@pytest.mark.parametrize("case", CASES)
def test_cli_verbs_complete(case: str, folder: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = folder(case)
    spec = f"local:{path}"
    window = ["--since", "24h", "--anchor", _anchor(case)]
    assert main(["sources", spec]) == 0
    assert main(["query", "SELECT COUNT(*) AS n FROM `cloudtrail`", "--source", spec, *window]) == 0
    assert main(["catalog", "run", "Q18", "--source", spec, *window]) == 0
    assert main(["catalog", "run", "Q05", "--source", spec, *window]) == 0
    capsys.readouterr()
    assert main(["detect", "--source", spec, *window]) in (0, 3)
    err = capsys.readouterr().err
    assert "error:" not in err and "Traceback" not in err
    mix = case.split(" ")[0]
    if mix in ("empty", "damaged"):
        assert "nothing to judge" in err
    for requirement in LACKS.get(mix, set()) - {"runtime_logs"}:  # no detection needs runtime logs
        assert ABOUT[requirement][0] in err, f"{case}: detect does not say {requirement} is missing"
    assert main(["pivot", "arn:aws:iam::111122223333:role/nobody", "--source", spec, *window]) == 0


def test_detect_on_the_real_cloudtrail_samples_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real attack captures with no invocation logs: the detections that found the attack print."""
    data = tmp_path / "ct"
    shutil.copytree(SAMPLES / "cloudtrail", data)
    status = main(
        ["detect", "--source", f"local:{data}", "--start", "2000-01-01T00:00:00Z", "--end", "2100-01-01T00:00:00Z"]
    )
    out, err = capsys.readouterr()
    assert status in (0, 3)
    assert "error:" not in err
    assert "DeleteTrail" in out and "Q05" in out  # the trail deleted in beats-delete-trail-json.log
    assert ABOUT["invocations"][0] in err


@pytest.mark.slow
@pytest.mark.parametrize("case", ["cloudtrail", "empty"])
def test_the_daily_playbook_completes(case: str, folder: Callable[[str], Path], tmp_path: Path) -> None:
    path = folder(case)
    out = tmp_path / "report"
    status = main(
        ["playbook", "run", "daily-ai-audit", "--source", f"local:{path}", "--since", "24h", "--anchor", _anchor(case),
         "--out", str(out)]
    )  # fmt: skip
    assert status in (0, 3)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "What this report cannot show" in index
    assert (NOTHING if case == "empty" else ABOUT["invocations"][0]) in index
    assert "failed" not in index.split("<h2>Notebooks</h2>", 1)[1].split("</table>", 1)[0]
