"""Model cards under hostile input (issue 9, item 7), through the Python API: each attack that
once aborted the process, hung, wrote the card twice or raised an undocumented exception now
gets a ``CardError`` with a stable ``kind``, or completes in linear time."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
import skops_rs.card as rs_card
from skops_rs.exceptions import CardError

#: `MAX_METADATA_DEPTH` of crates/skops-card/src/limits.rs: the top-level mapping is level 1.
MAX_METADATA_DEPTH = 128


def _card(tmp_path: Path, text: str | bytes, name: str = "README.md") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def _kind(call: Any) -> str:
    with pytest.raises(CardError) as error:
        call()
    assert isinstance(error.value, ValueError)
    return str(error.value.kind)


def _bare() -> rs_card.Card:
    return rs_card.Card(None, template=None, model_diagram=False)


# ----- metadata budget -------------------------------------------------------------------


def _alias_bomb() -> str:
    lines = [f"a: &a {'x' * 10_000}"]
    for previous, name in zip("abc", "bcd", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 100)}]")
    return "---\n" + "\n".join(lines) + "\n---\n# T\n"


def test_yaml_aliases_are_charged_at_their_expanded_size(tmp_path: Path) -> None:
    # 11 KB that expand to 10 GB: once an allocation failure that aborted the interpreter.
    path = _card(tmp_path, _alias_bomb())
    assert path.stat().st_size < 12_000
    start = time.monotonic()
    with pytest.raises(CardError, match=r"metadata size as written out \(aliases expanded\)"):
        rs_card.parse_modelcard(path)
    assert time.monotonic() - start < 5


def test_alias_built_nesting_is_charged_with_its_depth(tmp_path: Path) -> None:
    lines = ["l0: &l0 {k: x}"]
    lines += [f"l{i}: &l{i} {{k: *l{i - 1}}}" for i in range(1, 120)]
    lines.append("z: [" + ", ".join(["*l119"] * 3800) + "]")
    path = _card(tmp_path, "---\n" + "\n".join(lines) + "\n---\n# T\n")
    assert _kind(lambda: rs_card.parse_modelcard(path)) == "limit-exceeded"


def test_one_depth_limit_for_parsing_and_rendering(tmp_path: Path) -> None:
    value: Any = "x"
    for _ in range(MAX_METADATA_DEPTH - 1):
        value = [value]
    card = _bare()
    card.metadata = {"a": value}
    path = tmp_path / "README.md"
    card.save(path)
    assert rs_card.parse_modelcard(path).metadata == {"a": value}
    # One level deeper: refused when rendering from Python and when parsing a file.
    card.metadata = {"a": [value]}
    with pytest.raises(CardError, match="metadata nesting depth is 129"):
        card.render()
    deeper = "[" * MAX_METADATA_DEPTH + "x" + "]" * MAX_METADATA_DEPTH
    deep_card = _card(tmp_path, f"---\na: {deeper}\n---\n")
    assert _kind(lambda: rs_card.parse_modelcard(deep_card)) == "limit-exceeded"
    # An alias does not hide depth: it lands where it is written.
    half = "[" * 100 + "{}" + "]" * 100
    nested = "[" * 100 + "*a" + "]" * 100
    aliased = _card(tmp_path, f"---\na: &a {half}\nb: {nested}\n---\n")
    with pytest.raises(CardError, match="metadata nesting depth"):
        rs_card.parse_modelcard(aliased)


def test_metadata_shared_many_times_is_charged_each_time() -> None:
    # One Python list referenced a thousand times at each of four levels: small to build,
    # 10^12 nodes written out.
    shared: Any = ["x"]
    for _ in range(4):
        shared = [shared] * 1000
    card = _bare()
    card.metadata = {"a": shared}
    assert _kind(card.render) == "limit-exceeded"


# ----- linear time -----------------------------------------------------------------------


def test_a_hundred_thousand_keys_parse_and_render(tmp_path: Path) -> None:
    text = "---\n" + "".join(f"k{i}: {i}\n" for i in range(100_000)) + "---\n# T\n"
    path = _card(tmp_path, text)
    card = rs_card.parse_modelcard(path)
    assert len(card.metadata) == 100_000
    assert card.render() == text
    card.metadata["k5"] = "changed"
    assert card.render() == text.replace("\nk5: 5\n", "\nk5: changed\n")


@pytest.mark.parametrize(
    "text",
    [
        "# A\n" * 50_000,
        "#\n" * 50_000,
        "".join(f"# A{i}\n" for i in range(50_000)),
        "# top\n" + "## A\n" * 50_000,
    ],
    ids=["duplicate", "empty", "distinct", "nested-duplicate"],
)
def test_fifty_thousand_headings_parse_and_render(tmp_path: Path, text: str) -> None:
    card = rs_card.parse_modelcard(_card(tmp_path, text))
    assert card.render() == text
    assert len(card.get_toc().splitlines()) == text.count("\n")


# ----- line endings ----------------------------------------------------------------------

_LINES = ["---", "license: mit", "---", "intro", "", "# A", "", "old", "", "## B", "keep", ""]


def _mixed() -> str:
    return "".join(line + ("\n", "\r\n", "\r")[i % 3] for i, line in enumerate(_LINES))


@pytest.mark.parametrize(
    "text",
    [*("".join(line + eol for line in _LINES) for eol in ("\n", "\r\n", "\r")), _mixed()],
    ids=["LF", "CRLF", "CR", "mixed"],
)
def test_every_line_ending_convention_round_trips(tmp_path: Path, text: str) -> None:
    path = _card(tmp_path, text)
    card = rs_card.parse_modelcard(path)
    assert card.render() == text
    assert card.get_toc() == "- A\n  - B"
    assert card.metadata == {"license": "mit"}
    card.save(path)
    assert path.read_bytes() == text.encode()
    # Edited, it is written once (a CR-only card was once written twice).
    card.select("A").content = "NEW"
    card.save(path)
    written = path.read_bytes().decode()
    assert written == text.replace("old", "NEW")
    assert rs_card.parse_modelcard(path).get_toc() == "- A\n  - B"


# ----- only documented exceptions --------------------------------------------------------


def test_an_integer_too_large_for_a_float_is_a_card_error() -> None:
    card = _bare()
    card.metadata = {"x": 10**400}
    with pytest.raises(CardError, match="integer too large") as error:
        card.render()
    assert error.value.kind == "unsupported-metadata-value"
    # Past 64 bits but within a float: read as YAML reads it, a float.
    card.metadata = {"x": 2**64}
    assert "x: 1.8446744073709552e+19\n" in card.render()


@pytest.mark.parametrize(
    "make",
    [
        lambda card: setattr(card, "metadata", {"x": "\ud800"}),
        lambda card: setattr(card, "metadata", {"\udc80": 1}),
        lambda card: setattr(card, "metadata", {"x": [{"y": "a\udfffb"}]}),
        lambda card: card.add(**{"A\ud800": "x"}),
        lambda card: card.add(A="\ud800"),
        lambda card: card.add_plot(**{"Plot": "p\ud800.png"}),
        lambda card: card.add_table(T={"col\ud800": [1]}),
        lambda card: card.add_metrics(**{"acc\ud800": 1.0}),
        lambda card: setattr(card.add(A="x").select("A"), "title", "\ud800"),
    ],
    ids=[
        "metadata-value",
        "metadata-key",
        "metadata-nested",
        "section-key",
        "content",
        "plot-path",
        "table-header",
        "metric-name",
        "title",
    ],
)
def test_lone_surrogates_are_a_card_error(make: Any) -> None:
    card = _bare()

    def attempt() -> None:
        make(card)
        card.render()

    with pytest.raises(CardError, match="lone surrogate") as error:
        attempt()
    assert error.value.kind == "lone-surrogate"


def test_a_lone_surrogate_in_a_path_is_a_card_error(tmp_path: Path) -> None:
    assert _kind(lambda: rs_card.parse_modelcard(str(tmp_path) + "/\ud800.md")) == "lone-surrogate"


# ----- files -----------------------------------------------------------------------------


def test_a_card_path_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    secret = _card(tmp_path, "# Secret\n", "secret.md")
    link = tmp_path / "README.md"
    link.symlink_to(secret)
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    for path, what in [
        (link, "a symbolic link"),
        (fifo, "a FIFO"),
        (tmp_path, "a directory"),
        (Path("/dev/zero"), "a device"),
    ]:
        with pytest.raises(CardError, match=f"is {what}, not a regular file") as error:
            rs_card.parse_modelcard(path)
        assert error.value.kind == "not-a-regular-file"


def test_config_of_a_folder_is_read_only_from_inside_it(tmp_path: Path) -> None:
    config = '{"sklearn": {"task": "tabular-regression"}}'
    outside = _card(tmp_path, config, "config_outside.json")
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "config.json").symlink_to(outside)
    assert _kind(lambda: rs_card.metadata_from_config(repo)) == "outside-folder"
    (repo / "config.json").unlink()
    (repo / "real.json").write_text(config, encoding="utf-8")
    (repo / "config.json").symlink_to("real.json")
    assert rs_card.metadata_from_config(repo)["tags"][-1] == "tabular-regression"
    (repo / "config.json").unlink()
    os.mkfifo(repo / "config.json")
    assert _kind(lambda: rs_card.metadata_from_config(repo)) == "not-a-regular-file"


def test_copied_plots_are_not_written_through_a_link(tmp_path: Path) -> None:
    plot = _card(tmp_path, b"\x89PNG plot", "plot.png")
    target = _card(tmp_path, "keep me\n", "victim.txt")
    out = tmp_path / "out"
    out.mkdir()
    (out / "plot.png").symlink_to(target)
    card = _bare()
    card.add_plot(Plot=str(plot))
    assert _kind(lambda: card.save(out / "README.md", copy_files=True)) == "not-a-regular-file"
    assert target.read_text(encoding="utf-8") == "keep me\n"


# ----- section names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [
        lambda card: card.add(**{"A\n# B\n## C": "text"}),
        lambda card: card.add(**{"A/B\rC": "text"}),
        lambda card: card.add_plot(**{"Plots/One\nTwo": "plot.png"}),
        lambda card: card.add_table(**{"T\nU": {"a": [1]}}),
        lambda card: card.add_metrics(section="M\nN", accuracy=1.0),
        lambda card: setattr(card.select("Kept"), "title", "T\n# Injected"),
    ],
    ids=["add", "add-cr", "add_plot", "add_table", "add_metrics", "title"],
)
def test_a_section_name_with_a_line_break_is_refused(make: Any) -> None:
    card = _bare()
    card.add(Kept="text")
    before = card.render()
    assert _kind(lambda: make(card)) == "invalid-section-name"
    assert card.render() == before
