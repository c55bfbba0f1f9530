"""The installed package: importable, versioned, and its `skops-rs` console script works."""

import os
import re
import subprocess
import sys
from pathlib import Path

import skops_rs

#: PEP 440 release (and optional pre/post/dev parts), e.g. `0.1.0`, `0.2.0rc1`, `1.0.0.dev3`.
VERSION = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")


def console_script() -> Path:
    return Path(sys.executable).parent / ("skops-rs.exe" if os.name == "nt" else "skops-rs")


def test_version_is_a_version_string():
    assert isinstance(skops_rs.__version__, str)
    assert VERSION.match(skops_rs.__version__), skops_rs.__version__


def test_console_script_is_installed_next_to_the_interpreter():
    assert console_script().is_file()


def test_help_exits_0_and_lists_the_subcommands():
    result = subprocess.run(
        [str(console_script()), "--help"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "inspect" in result.stdout
    assert "audit" in result.stdout


def test_type_stubs_match_the_built_native_module():
    """`_skops_rs.pyi` against the extension module as built (names, signatures, classes)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "skops_rs._skops_rs"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
