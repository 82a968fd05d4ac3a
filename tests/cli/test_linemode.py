"""The line-mode reader driven through pipes, as a screen-reader user's script would."""

from __future__ import annotations

from pathlib import Path

from reader.document import Document
from tests.cli.conftest import Run


def test_navigation_commands(run: Run, speech: Document) -> None:
    result = run("read", speech.path, stdin="n\np\nr\n60\nn\n1\np\nq\n")
    out = result.stdout
    assert result.returncode == 0
    assert out.count("Paragraph 1 of 60") == 4
    assert "Paragraph 2 of 60" in out
    assert "Paragraph 60 of 60" in out
    assert "End of text" in out
    assert "Start of text" in out
    assert speech.paragraphs[59].text in out
    assert "\x1b" not in out


def test_search_sentences_and_errors(run: Run, speech: Document) -> None:
    result = run("read", speech.path, "--from", "5", stdin="/mentally ill\n/\ns\n0\n61\nabc\nxyz\n")
    out = result.stdout
    assert result.returncode == 0
    assert "Paragraph 5 of 60" in out
    found = [
        p.number for p in speech.paragraphs if "mentally ill" in p.text.lower() and p.number > 5
    ]
    assert f"Paragraph {found[0]} of 60" in out
    assert "Sentence 1 of" in out
    assert out.count("paragraphs run from 1 to 60") == 2
    assert "Unknown command 'xyz'" in out


def test_end_of_input_exits_cleanly(run: Run, addresses: Document) -> None:
    result = run("read", addresses.path, stdin="")
    assert result.returncode == 0
    assert "Section 1: Two American Addresses" in result.stdout
    assert result.stderr == ""


def test_export_current_paragraph(run: Run, tmp_path: Path, addresses: Document) -> None:
    target = tmp_path / "para.txt"
    result = run("read", addresses.path, "--from", "2", stdin=f"e {target}\ne {target}\nq\n")
    assert result.returncode == 0
    assert target.read_text().split("\n")[1] == "Paragraph 2 of 11"
    assert "already exists" in result.stdout


def test_in_process_main(capsys: object, speech: Document) -> None:
    from reader.cli import main

    assert main(["info", speech.path]) == 0
    assert main(["export", speech.path, "--paragraphs", "99"]) == 2
