"""The textfile for node_exporter: replaced whole, readable, not writable by others, nothing left beside it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from smtpcreds.metrics import textfile
from smtpcreds.metrics.textfile import write_textfile
from smtpcreds.rotation.journal import journal_store

from .conftest import Configure


@pytest.fixture
def collector_dir(tmp_path: Path) -> Path:
    """node_exporter's --collector.textfile.directory."""
    folder = tmp_path / "textfile"
    folder.mkdir()
    return folder


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that would make every new file world-writable."""
    old = os.umask(0)
    yield
    os.umask(old)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_the_file_holds_the_text_with_mode_0644_whatever_the_umask(collector_dir: Path, open_umask: None) -> None:
    path = write_textfile(collector_dir / "smtpcreds.prom", "# metrics\n")

    assert path.read_text() == "# metrics\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert names(collector_dir) == ["smtpcreds.prom"]


def test_a_reader_keeps_the_whole_old_file_while_it_is_replaced(collector_dir: Path) -> None:
    path = collector_dir / "smtpcreds.prom"
    write_textfile(path, "old\n" * 1000)
    before = path.stat().st_ino

    with path.open() as reader:
        write_textfile(path, "new\n")
        held = reader.read()

    assert held == "old\n" * 1000  # the reader's file was never written to: a new one took its name
    assert path.read_text() == "new\n" and path.stat().st_ino != before
    assert names(collector_dir) == ["smtpcreds.prom"]


def test_a_failed_write_leaves_the_previous_file_and_nothing_beside_it(
    collector_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = collector_dir / "smtpcreds.prom"
    write_textfile(path, "previous\n")

    def full_disk(*_: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(textfile.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        write_textfile(path, "next\n")

    assert path.read_text() == "previous\n"
    assert names(collector_dir) == ["smtpcreds.prom"]


# -- the commands --------------------------------------------------------------------------------------
def test_metrics_textfile_writes_the_exposition_and_prints_nothing(
    configure: Configure, collector_dir: Path, run_cli: Any
) -> None:
    configure()
    path = collector_dir / "smtpcreds.prom"

    result = run_cli("metrics", "--textfile", str(path))

    assert (result.code, result.out, result.err) == (0, "", "")
    assert "smtpcreds_metrics_generated_timestamp_seconds" in {
        f.name for f in text_string_to_metric_families(path.read_text())}
    assert names(collector_dir) == ["smtpcreds.prom"]


def test_a_textfile_in_a_missing_directory_is_a_config_error(configure: Configure, tmp_path: Path,
                                                             run_cli: Any) -> None:
    configure()

    result = run_cli("metrics", "--textfile", str(tmp_path / "nowhere" / "smtpcreds.prom"))

    assert result.code == 2 and "cannot write the metrics textfile" in result.err


def test_a_textfile_not_named_prom_is_written_with_a_warning(
    configure: Configure, collector_dir: Path, run_cli: Any
) -> None:
    configure()

    result = run_cli("metrics", "--textfile", str(collector_dir / "smtpcreds.txt"))

    assert result.code == 0 and "reads only files named *.prom" in result.err
    assert names(collector_dir) == ["smtpcreds.txt"]


def test_rotate_refreshes_the_textfile_after_a_failure_and_keeps_exit_8(
    configure: Configure, collector_dir: Path, hook_flag: Path, run_cli: Any
) -> None:
    configure()
    path = collector_dir / "smtpcreds.prom"
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0
    hook_flag.write_text("down")

    result = run_cli("creds", "rotate", "shop-app", "--metrics-textfile", str(path))

    assert result.code == 8, result
    [family] = [f for f in text_string_to_metric_families(path.read_text()) if f.name == "smtpcreds_rotation_open"]
    assert [(s.labels["credential"], s.labels["step"]) for s in family.samples] == [("shop-app", "push")]
    assert names(collector_dir) == ["smtpcreds.prom"]


def test_rotate_refreshes_the_textfile_after_a_success(
    configure: Configure, collector_dir: Path, run_cli: Any
) -> None:
    configure()
    path = collector_dir / "smtpcreds.prom"
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0

    result = run_cli("creds", "rotate", "billing-app", "--metrics-textfile", str(path))

    assert result.code == 0, result
    found = {f.name: f.samples for f in text_string_to_metric_families(path.read_text())}
    assert [s.labels["credential"] for s in found["smtpcreds_rotation_last_success_timestamp_seconds"]] == [
        "billing-app"]


def test_rotate_refuses_before_any_change_without_prometheus_client(
    configure: Configure, collector_dir: Path, run_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    configure()
    assert run_cli("creds", "create", "billing-app").code == 0
    monkeypatch.setitem(sys.modules, "prometheus_client", None)

    result = run_cli("creds", "rotate", "billing-app", "--metrics-textfile", str(collector_dir / "s.prom"))

    assert result.code == 2 and "pip install 'smtpcreds[metrics]'" in result.err
    assert journal_store().all() == [] and names(collector_dir) == []


def test_rotate_refuses_before_any_change_with_a_bad_metrics_table(
    configure: Configure, collector_dir: Path, run_cli: Any
) -> None:
    configure('[metrics]\nmax_login_age = "soon"\n')
    assert run_cli("creds", "create", "billing-app").code == 0

    result = run_cli("creds", "rotate", "billing-app", "--metrics-textfile", str(collector_dir / "s.prom"))

    assert result.code == 2 and "[metrics] max_login_age" in result.err
    assert journal_store().all() == [] and names(collector_dir) == []


def test_an_unwritable_textfile_after_a_rotation_is_a_warning_not_a_new_exit_code(
    configure: Configure, tmp_path: Path, run_cli: Any
) -> None:
    configure()
    for name in ("billing-app", "shop-app"):
        assert run_cli("creds", "create", name).code == 0

    result = run_cli("creds", "rotate", "billing-app", "--metrics-textfile", str(tmp_path / "gone" / "s.prom"))

    assert result.code == 0, result
    assert "metrics textfile not refreshed" in result.err
    assert [j.status for j in journal_store().all()] == ["done"]
