"""`parse_modelcard` without pandoc: byte-identical round trips (skops' own example cards, read
from the installed package, and cards written by skops), edits that touch only their
section, front matter kept as metadata, clear errors, atomic saves, and the model binding."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.card as sk_card
import skops_rs._skops_rs as native
import skops_rs.card as rs_card
from sklearn.linear_model import LogisticRegression

EXAMPLES = Path(sk_card.__file__).parent / "tests" / "examples"
EXAMPLE_CARDS = sorted(EXAMPLES.glob("*.md"))
_DIAGRAM_IDS = re.compile(r"-id-\d+")


@pytest.fixture(scope="module")
def model() -> Any:
    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    return LogisticRegression().fit(X, [0, 1, 1, 0])


def test_skops_ships_six_example_cards() -> None:
    assert len(EXAMPLE_CARDS) == 6


@pytest.mark.parametrize("path", EXAMPLE_CARDS, ids=lambda p: p.name)
def test_example_cards_round_trip_byte_identical(path: Path, tmp_path: Path) -> None:
    card = rs_card.parse_modelcard(path)
    assert card.render() == path.read_text(encoding="utf-8")
    card.save(tmp_path / "README.md")
    assert (tmp_path / "README.md").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("path", EXAMPLE_CARDS, ids=lambda p: p.name)
def test_example_front_matter_becomes_metadata(path: Path) -> None:
    card = rs_card.parse_modelcard(path)
    text = path.read_text(encoding="utf-8")
    assert bool(card.metadata) == text.startswith("---")


def test_editing_one_section_changes_only_its_bytes(tmp_path: Path) -> None:
    path = EXAMPLES / "bert-base-uncased.md"
    original = path.read_text(encoding="utf-8")
    card = rs_card.parse_modelcard(path)
    first = card.select("BERT base model (uncased)/Model description")
    old = first.content
    first.content = "Rewritten."
    rendered = card.render()
    assert rendered == original.replace(old, "Rewritten.", 1)


def test_editing_metadata_changes_only_that_key(tmp_path: Path) -> None:
    path = tmp_path / "README.md"
    original = (
        "---\nlanguage: en\n# a comment\nlicense: apache-2.0   # keep\ntags:\n- exbert\n"
        "datasets: [bookcorpus, wikipedia]\n---\n"
        + (EXAMPLES / "bert-base-uncased.md").read_text(encoding="utf-8")
    )
    path.write_text(original, encoding="utf-8")
    card = rs_card.parse_modelcard(path)
    assert card.render() == original
    assert card.metadata["datasets"] == ["bookcorpus", "wikipedia"]
    assert card.metadata["license"] == "apache-2.0"
    card.metadata["license"] = "mit"
    rendered = card.render()
    assert rendered == original.replace("license: apache-2.0   # keep", "license: mit", 1)


def test_a_skops_card_parsed_and_edited_renders_like_skops(model: Any, tmp_path: Path) -> None:
    sk = sk_card.Card(model)
    sk.save(tmp_path / "README.md")
    rs = rs_card.parse_modelcard(tmp_path / "README.md")
    assert rs.render() == (tmp_path / "README.md").read_text(encoding="utf-8")
    assert rs.get_toc() == sk.get_toc()
    for card in (sk, rs):
        card.add(**{"Model description": "A logistic regression.", "New/Part": "new"})
        card.add_metrics(accuracy=0.5)
        card.add_plot(**{"Model description/Plot": "plot.png"})
        card.delete("Model Card Contact")
    assert _DIAGRAM_IDS.sub("", rs.render()) == _DIAGRAM_IDS.sub("", sk.render())


def test_sections_are_found_like_commonmark(tmp_path: Path) -> None:
    text = (
        "Intro before any heading.\n\n"
        "Title\n=====\n\nSetext body.\n\n"
        "```\n# not a heading (code fence)\n```\n\n"
        "<details>\n# not a heading (HTML block)\n</details>\n\n"
        "## Usage ##\n\nATX body.\n"
    )
    (tmp_path / "card.md").write_text(text, encoding="utf-8")
    card = rs_card.parse_modelcard(tmp_path / "card.md")
    assert card.get_toc() == "- Title\n  - Usage"
    assert card.select("Title/Usage").content == "ATX body."
    assert card.render() == text


def test_card_with_metadata_is_written_with_front_matter(model: Any, tmp_path: Path) -> None:
    card = rs_card.Card(model, model_diagram=False)
    card.metadata = {"library_name": "sklearn", "tags": ["sklearn", "skops"], "license": "mit"}
    card.save(tmp_path / "README.md")
    text = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert text.startswith(
        "---\nlibrary_name: sklearn\ntags:\n- sklearn\n- skops\nlicense: mit\n---\n"
    )
    again = rs_card.parse_modelcard(tmp_path / "README.md")
    assert again.metadata == card.metadata
    assert again.render() == text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nlicense: [mit\n---\n# A\n", "malformed YAML front matter at line 3"),
        ("---\n- a list\n---\n# A\n", "not a mapping"),
    ],
)
def test_malformed_front_matter_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "card.md").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(message)):
        rs_card.parse_modelcard(tmp_path / "card.md")


def test_non_utf8_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "card.md").write_bytes(b"# Title\n\ncaf\xe9\n")
    with pytest.raises(ValueError, match=r"not valid UTF-8 \(first invalid byte at offset 12\)"):
        rs_card.parse_modelcard(tmp_path / "card.md")


def test_missing_file_is_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        rs_card.parse_modelcard(tmp_path / "nope.md")


def test_failed_save_leaves_the_existing_card_untouched(model: Any, tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("old card\n", encoding="utf-8")
    card = rs_card.Card(model, model_diagram=False)
    card.add_plot(Plot=str(tmp_path / "missing.png"))
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        card.save(target, copy_files=True)
    assert target.read_text(encoding="utf-8") == "old card\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_metadata_from_config(tmp_path: Path) -> None:
    config = {
        "sklearn": {
            "columns": ["a", "b"],
            "example_input": {"a": [1.5, 2.0], "b": ["x", "y"]},
            "model": {"file": "model.skops"},
            "model_format": "skops",
            "task": "tabular-regression",
        }
    }
    (tmp_path / "config.json").write_text(json.dumps(config), encoding="utf-8")
    metadata = rs_card.metadata_from_config(tmp_path)
    assert metadata == {
        "library_name": "sklearn",
        "tags": ["sklearn", "skops", "tabular-regression"],
        "model_format": "skops",
        "model_file": "model.skops",
        "widget": [{"structured_data": {"a": [1.5, 2.0], "b": ["x", "y"]}}],
    }


def test_metadata_rejects_values_yaml_cannot_hold(model: Any) -> None:
    card = rs_card.Card(model, model_diagram=False)
    card.metadata = {"model": object()}
    with pytest.raises(TypeError, match="card metadata values"):
        card.render()
    loop: list[Any] = []
    loop.append(loop)
    card.metadata = {"loop": loop}
    with pytest.raises(rs_card.CardError, match="metadata nesting depth") as error:
        card.render()
    assert error.value.kind == "limit-exceeded"


def test_card_bound_to_its_model_file(model: Any, tmp_path: Path) -> None:
    model_file = tmp_path / "model.skops"
    model_file.write_bytes(b"PK fake model bytes")
    card = rs_card.Card(model, model_diagram=False).bind_model(model_file)
    assert card.metadata["model_sha256"] == native.card_file_sha256(os.fspath(model_file))
    assert card.check_model(model_file) == []
    model_file.write_bytes(b"PK other bytes")
    problems = card.check_model(model_file)
    assert len(problems) == 1
    assert "sha256" in problems[0]


@pytest.mark.skipif(not hasattr(native, "loads"), reason="native `loads` not in this build yet")
def test_get_model_from_a_skops_file(model: Any, tmp_path: Path) -> None:
    import skops.io

    path = tmp_path / "model.skops"
    skops.io.dump(model, path)
    card = rs_card.Card(path, model_diagram=False)
    assert type(card.get_model()) is LogisticRegression
    sk = sk_card.Card(path, model_diagram=False)
    assert card.render() == sk.render()


def test_get_model_refuses_pickles_unless_allowed(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(b"not a zip file")
    for module in (sk_card, rs_card):
        with pytest.raises(RuntimeError, match="allow_pickle is set to False"):
            module.Card(path)
    with pytest.raises(FileNotFoundError, match="File is not present"):
        rs_card.Card(tmp_path / "missing.skops")
    with pytest.raises(ValueError, match="cannot be `True` if `trusted`"):
        rs_card.Card(path, trusted=["x"], allow_pickle=True)


def test_card_for_a_skops_file_without_loading_it(model: Any, tmp_path: Path) -> None:
    import sklearn
    import skops.io

    path = tmp_path / "model.skops"
    skops.io.dump(model, path)
    core = native.CardCore.for_model_file(os.fspath(path))
    # The hyperparameter table read from the file equals the one skops builds from the model.
    sk = sk_card.Card(model, model_diagram=False)
    key = ["Model description", "Training Procedure", "Hyperparameters"]
    assert core.format(key) == sk.select("/".join(key)).format()
    metadata = core.metadata()
    assert metadata["model_file"] == "model.skops"
    assert metadata["sklearn_version"] == sklearn.__version__
    assert metadata["model_sha256"] == native.card_file_sha256(os.fspath(path))
    assert core.check_model_file(os.fspath(path)) == []
    assert core.show().startswith("metadata:\n  library_name: sklearn\n")
    skops.io.dump(LogisticRegression(C=2.0), path)
    assert "sha256" in core.check_model_file(os.fspath(path))[0]
    (tmp_path / "bad.skops").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match=r"not a valid \.skops file"):
        native.CardCore.for_model_file(os.fspath(tmp_path / "bad.skops"))


def test_unusual_front_matter_survives_the_python_round_trip(tmp_path: Path) -> None:
    text = (
        "---\n"
        "a: 1e3\nb: .inf\nc: .nan\nd: ~\ne:\nf: 123456789012345678901234567890\n"
        "g: {x: [1, 2.5, 'three'], y: {z: true}}\nh: |\n  literal\n  block\n"
        "i: 'quoted # not a comment'\nj: \"caf\\u00e9\"\nk: 2024-01-01\nl: -0x1F\n"
        "widget:\n- structured_data:\n    x0: [5.1, 4.9]\n"
        "---\n# Title\n"
    )
    (tmp_path / "README.md").write_text(text, encoding="utf-8")
    card = rs_card.parse_modelcard(tmp_path / "README.md")
    assert card.render() == text
    assert card.metadata["a"] == 1000.0
    assert card.metadata["d"] is None and card.metadata["e"] is None
    assert card.metadata["g"] == {"x": [1, 2.5, "three"], "y": {"z": True}}
    assert card.metadata["h"] == "literal\nblock\n"
    assert card.metadata["j"] == "café"
    assert card.metadata["widget"] == [{"structured_data": {"x0": [5.1, 4.9]}}]
    card.metadata["k"] = "2025-01-01"
    assert card.render() == text.replace("k: 2024-01-01", "k: '2025-01-01'")
