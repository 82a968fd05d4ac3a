"""Pristine templates: every job runs in a fresh child of a process prepared once, so its
output depends on the job alone; failures come back as one line (issue 8, render speed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.document import Document
from reader.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ReaderError
from reader.narration import pristinepool, worker
from reader.narration.engines import espeak
from reader.narration.engines.port import SpeechRequest
from reader.narration.engines.pristine import Template, abandoned
from reader.narration.renderer import NarrationSettings, ParagraphRenderer

REQUEST = SpeechRequest("en", 175)


def test_many_earlier_voice_choices_leave_no_trace(speech: Document) -> None:
    # Choosing the voice again before every text changed later audio: the speech's last
    # paragraph came out 82,985 samples long at first, 82,839 after the 18th choice and
    # 29,827 after the 42nd, so a worker's output depended on how many paragraphs it had
    # spoken before.
    engine = espeak.EspeakEngine()
    text = speech.paragraphs[-1].text
    first = engine.synthesise(text, REQUEST)
    lengths = []
    for turn in range(24):
        engine.check_voice("en")
        if turn % 4 == 3:  # other settings in between, and back
            engine.synthesise("Hello.", SpeechRequest("en", 180, 60, 0.9))
        again = engine.synthesise(text, REQUEST)
        assert again.marks == first.marks
        lengths.append(len(again.pcm) if again.pcm != first.pcm else 0)
    assert lengths == [0] * 24


def _echo(job: bytes) -> bytes:
    if job == b"bad input":
        raise ReaderError("that job is refused")
    if job == b"crash":
        raise ValueError("a bug in the work")
    if job == b"die":
        os.kill(os.getpid(), signal.SIGKILL)
    return job.upper() + str(abandoned()).encode()


def test_each_job_runs_in_a_fresh_child_of_the_prepared_template() -> None:
    state: list[int] = []

    def prepare() -> None:
        state.append(os.getpid())

    def work(job: bytes) -> bytes:
        state.append(len(state))  # a child's change never reaches the next child
        return f"{os.getppid()} {os.getpid()} {state}".encode()

    template = Template(prepare, work)
    try:
        replies = [template.run(b"x").decode().split(" ", 2) for _ in range(3)]
    finally:
        template.close()
    assert {parent for parent, _, _ in replies} == {str(template.pid)}
    assert len({child for _, child, _ in replies}) == 3  # one child per job
    assert {seen for _, _, seen in replies} == {f"[{template.pid}, 1]"}


def test_results_of_any_size_and_failures_come_back() -> None:
    template = Template(lambda: None, _echo)
    try:
        assert template.run(b"hello") == b"HELLOFalse"  # somebody waits for it
        big = bytes(range(256)) * 20_000  # 5 MB, beyond any pipe buffer
        assert template.run(big)[: len(big)] == big.upper()
        with pytest.raises(ReaderError, match="that job is refused") as refused:
            template.run(b"bad input")
        assert refused.value.exit_code == EXIT_BAD_INPUT
        with pytest.raises(ReaderError, match="ValueError: a bug in the work") as crashed:
            template.run(b"crash")
        assert crashed.value.exit_code == EXIT_FAILURE
        assert template.run(b"still here") == b"STILL HEREFalse"
    finally:
        template.close()


def test_a_killed_child_is_one_line_and_a_new_template_takes_over() -> None:
    template = Template(lambda: None, _echo)
    with pytest.raises(ReaderError, match="ended abnormally") as killed:
        template.run(b"die")
    assert killed.value.exit_code == EXIT_FAILURE
    assert not template.alive
    with pytest.raises(ReaderError, match="has ended"):
        template.run(b"again")


def test_a_failed_preparation_is_raised_by_the_first_job() -> None:
    def prepare() -> None:
        raise ReaderError("unknown voice 'xx'; run `reader voices` to list them")

    template = Template(prepare, _echo)
    with pytest.raises(ReaderError, match="unknown voice") as failed:
        template.run(b"hello")
    assert failed.value.exit_code == EXIT_BAD_INPUT
    assert not template.alive


def test_closing_ends_the_template_and_its_waiting_child() -> None:
    template = Template(lambda: None, _echo)
    template.run(b"hello")
    pid = template.pid
    template.close()
    for _ in range(300):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        pytest.fail("the template outlived its owner's close()")


def test_the_renderer_forks_templates_and_matches_worker_processes(
    speech: Document, tmp_path: Path
) -> None:
    paragraphs = speech.paragraphs[:4]
    with ParagraphRenderer(NarrationSettings(), tmp_path / "a", jobs=2) as renderer:
        assert renderer.pristine
        forked = renderer.render_many(paragraphs)
    assert not worker._everyone  # no worker interpreter was started
    with ParagraphRenderer(
        NarrationSettings(), tmp_path / "b", jobs=1, in_process=False
    ) as renderer:
        assert not renderer.pristine
        spawned = renderer.render_many(paragraphs)
    for one, other in zip(forked, spawned, strict=True):
        assert one.wav_path.read_bytes() == other.wav_path.read_bytes()
        assert one.sync == other.sync


_OWNER = """
import sys
from reader.narration.pristinepool import PristinePool
from reader.narration.synthesis import NarrationSettings
settings = NarrationSettings()
pool = PristinePool(settings, 1)
text = open(sys.argv[1], encoding="utf-8").read()
print("speaking", flush=True)
list(pool.run([("a" * 64, text)], settings.as_list(), sys.argv[2]))
"""


def test_a_killed_owner_leaves_no_process_and_no_partial_entry(
    speech: Document, tmp_path: Path
) -> None:
    text = tmp_path / "long.txt"
    text.write_text(" ".join(p.text for p in speech.paragraphs) * 10, encoding="utf-8")
    cache = tmp_path / "cache"
    owner = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(text), str(cache)], stdout=subprocess.PIPE
    )
    assert owner.stdout is not None and owner.stdout.readline() == b"speaking\n"
    time.sleep(0.5)  # the child is speaking (this text takes many seconds)
    family = _descendants(owner.pid)
    assert len(family) >= 2  # the template and its child at work
    owner.kill()
    owner.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in family):
        assert time.monotonic() < deadline, "a template or its child outlived its owner"
        time.sleep(0.02)
    assert not list(cache.rglob("*.json"))  # the half-spoken text was never stored
    assert not list(cache.rglob("*.wav"))


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    parents = {pid}
    for _ in range(3):
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and int(entry.name) not in found:
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) in parents:
                    found.add(int(entry.name))
        parents = found | {pid}
    return found


def test_a_killed_child_costs_its_paragraph_only(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def work(settings: NarrationSettings, job: bytes) -> bytes:
        text = json.loads(job)["text"]
        if text == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        return json.dumps({"samples": len(text)}).encode()

    monkeypatch.setattr(pristinepool, "_prepare", lambda settings: None)
    monkeypatch.setattr(pristinepool, "_work", work)
    settings = NarrationSettings()
    pool = pristinepool.PristinePool(settings, 1)
    jobs = [("a", "one"), ("b", "die"), ("c", "three"), ("d", "four!")]
    try:
        results = dict(pool.run(jobs, settings.as_list(), str(tmp_path)))
    finally:
        pool.close()
    # "c" was queued behind "b" in the template that ended: a new template spoke it.
    assert results == {
        "a": 3,
        "b": "the synthesis process ended abnormally (status -9)",
        "c": 5,
        "d": 5,
    }


def test_prestarted_templates_are_adopted_by_the_renderer(speech: Document, tmp_path: Path) -> None:
    # A voice alone (as the UI gives it) means the default rate, pitch and volume.
    worker.prestart("espeak:en", 2)
    assert [pool.settings for pool in pristinepool._spares] == [NarrationSettings("espeak:en")]
    prestarted = pristinepool._spares[0]
    with ParagraphRenderer(NarrationSettings("espeak:en"), tmp_path, jobs=2) as renderer:
        renderer.render_many(speech.paragraphs[:2])
        assert renderer._pool is prestarted
    assert not pristinepool._spares
    assert not worker._everyone
