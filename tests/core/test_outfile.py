"""Output files: written whole or not at all, never over a link, folder or device."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from studyapp.core.outfile import OutputFileError, output_file, write_output
from studyapp.core.printable import escape_html, printable, shorten


def test_a_new_file_is_written_whole_with_the_usual_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    write_output(target, "{}\n")
    assert target.read_text() == "{}\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["out.json"]  # no temporary file left


def test_replacing_keeps_the_old_file_until_the_new_one_is_complete(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    with output_file(target) as partial:
        assert partial.parent == tmp_path and partial != target
        partial.write_text("new")
        assert target.read_text() == "old"  # a reader still sees the whole old file
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["out.csv"]


def test_without_replace_an_existing_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("mine")
    with pytest.raises(OutputFileError, match="README.md: it already exists"):
        write_output(target, "template", replace=False)
    assert target.read_text() == "mine"
    assert os.listdir(tmp_path) == ["README.md"]
    write_output(tmp_path / "new.md", "template", replace=False)
    assert (tmp_path / "new.md").read_text() == "template"
    assert sorted(os.listdir(tmp_path)) == ["README.md", "new.md"]


def test_without_replace_a_file_that_appears_while_writing_wins(tmp_path: Path) -> None:
    target = tmp_path / "course.yaml"
    with pytest.raises(OutputFileError, match="it already exists"):
        with output_file(target, replace=False) as partial:
            partial.write_text("template")
            target.write_text("written by someone else meanwhile")
    assert target.read_text() == "written by someone else meanwhile"
    assert os.listdir(tmp_path) == ["course.yaml"]  # no temporary file left


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), output_file(target) as partial:
        partial.write_text("half")
        raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_an_os_error_while_writing_is_one_sentence(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(OutputFileError, match=r"cannot write .*out\.csv: the disk is full$"):
        with output_file(target):
            raise OSError(28, "No space left on device")
    assert os.listdir(tmp_path) == []


def test_a_symlink_is_refused_and_left_alone(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("keep")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    with pytest.raises(OutputFileError, match="symbolic link"):
        write_output(link, "new")
    assert link.is_symlink() and real.read_text() == "keep"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(OutputFileError, match="symbolic link"):
        write_output(dangling, "new")
    assert dangling.is_symlink() and not (tmp_path / "nowhere").exists()


def test_devices_pipes_and_sockets_are_refused(tmp_path: Path) -> None:
    for device in ("/dev/full", "/dev/null"):
        with pytest.raises(OutputFileError, match="device, pipe or socket"):
            write_output(device, "x")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OutputFileError, match="device, pipe or socket"):
        write_output(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    sock_path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        with pytest.raises(OutputFileError, match="device, pipe or socket"):
            write_output(sock_path, "x")


def test_a_folder_or_a_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(OutputFileError, match="it is a folder"):
        write_output(tmp_path, "x")
    with pytest.raises(OutputFileError, match=r"the folder .*missing does not exist"):
        write_output(tmp_path / "missing" / "x.json", "x")
    (tmp_path / "file").write_text("")
    with pytest.raises(OutputFileError, match="is not a folder"):
        write_output(tmp_path / "file" / "x.json", "x")


def test_a_folder_that_refuses_writing_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The suite may run as root, whom a 0o500 folder does not stop: the OS's answer is faked.
    def refuse(path: object, *args: object) -> int:
        raise OSError(30, "Read-only file system", str(path))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(OutputFileError, match=r"x\.json: the file system is read-only$"):
        write_output(tmp_path / "x.json", "x")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


def test_names_are_escaped_in_messages(tmp_path: Path) -> None:
    name = tmp_path / "missing\x1b[31m" / "x.json"
    with pytest.raises(OutputFileError) as caught:
        write_output(name, "x")
    assert "\x1b" not in str(caught.value) and "\\x1b[31m" in str(caught.value)


def test_printable_escapes_controls_surrogates_and_bidi_only() -> None:
    assert printable("Ångström – 心理 ✓.yaml") == "Ångström – 心理 ✓.yaml"
    assert printable("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert printable(os.fsdecode(b"caf\xe9.yaml")) == "caf\\xe9.yaml"
    assert printable("evil\u202egnp.yaml") == "evil\\u202egnp.yaml"
    assert shorten("x" * 10_000_000).endswith("(10,000,000 characters)")
    assert len(shorten("x" * 10_000_000)) < 100


def test_escape_html_is_html_escape() -> None:
    # Written out so that showing a card imports no html module (issue 19): the same text.
    import html

    texts = ["", "plain", "a < b & c > d", "\"quoted\" and 'single'", "&amp; already"]
    texts += ["<script>alert('x')</script>", "Ångström – 心理 ✓", "(Zhou, 2024; O'Neil & Co)"]
    for text in texts:
        assert escape_html(text) == html.escape(text)
        assert escape_html(text, quote=False) == html.escape(text, quote=False)
