"""`Card.add_evaluation`: metrics computed with scikit-learn, `model-index` metadata, and plots
drawn natively as valid PNG and SVG files of the size the native module reports."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops_rs.card as rs_card
from sklearn import metrics as skm
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import Ridge
from sklearn.model_selection import train_test_split


def read_png(path: Path) -> tuple[int, int, bytes]:
    """Width, height and raw scanlines of an 8-bit RGB PNG, checking every chunk's CRC."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert (depth, color) == (8, 2)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert kind == b"IEND"
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + 3 * width)
    return width, height, raw


def check_plot(path_png: Path) -> None:
    width, height, raw = read_png(path_png)
    assert width > 100 and height > 100
    assert len(set(raw)) > 2, "the image is not blank"
    svg = ET.parse(path_png.with_suffix(".svg")).getroot()
    assert svg.tag.endswith("svg")
    assert (int(svg.get("width", 0)), int(svg.get("height", 0))) == (width, height)


@pytest.fixture(scope="module")
def classification() -> tuple[Any, Any, Any]:
    X, y = load_iris(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X_train, y_train)
    return model, X_test, y_test


def test_classifier(classification: tuple[Any, Any, Any], tmp_path: Path) -> None:
    model, X_test, y_test = classification
    card = rs_card.Card(model, model_diagram=False)
    card.add_evaluation(X_test, y_test, plot_dir=tmp_path, dataset_name="iris (test split)")
    y_pred = model.predict(X_test)
    accuracy = round(skm.accuracy_score(y_test, y_pred), 4)
    f1 = round(skm.f1_score(y_test, y_pred, average="macro"), 4)
    assert card._metrics["accuracy"] == str(accuracy)
    assert card._metrics["f1 score (macro)"] == str(f1)
    index = card.metadata["model-index"][0]
    assert index["name"] == "RandomForestClassifier"
    result = index["results"][0]
    assert result["task"]["type"] == "tabular-classification"
    assert result["dataset"] == {"type": "tabular", "name": "iris (test split)"}
    assert {m["type"]: m["value"] for m in result["metrics"]}["accuracy"] == accuracy
    assert card.metadata["pipeline_tag"] == "tabular-classification"
    check_plot(tmp_path / "confusion_matrix.png")
    check_plot(tmp_path / "feature_importances.png")
    text = card.render()
    assert f"![Confusion matrix]({tmp_path / 'confusion_matrix.png'})" in text
    assert "model-index:" in text.split("\n---\n")[0]
    # The saved card reads back with the same metadata.
    card.save(tmp_path / "README.md")
    again = rs_card.parse_modelcard(tmp_path / "README.md")
    assert again.metadata == card.metadata
    assert again.render() == (tmp_path / "README.md").read_text(encoding="utf-8")


def test_regressor(tmp_path: Path) -> None:
    X, y = load_diabetes(return_X_y=True)
    model = Ridge().fit(X[:300], y[:300])
    card = rs_card.Card(model, model_diagram=False)
    card.add_evaluation(X[300:], y[300:], plot_dir=tmp_path)
    r2 = round(skm.r2_score(y[300:], model.predict(X[300:])), 4)
    assert card._metrics["r2"] == str(r2)
    metrics = card.metadata["model-index"][0]["results"][0]["metrics"]
    assert [m["type"] for m in metrics] == ["r2", "mae", "rmse"]
    check_plot(tmp_path / "predicted_vs_true.png")
    assert not (tmp_path / "feature_importances.png").exists()


def test_not_a_predictor(tmp_path: Path) -> None:
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(np.ones((3, 2)))
    card = rs_card.Card(scaler, model_diagram=False)
    with pytest.raises(TypeError, match="classifier or a regressor"):
        card.add_evaluation(np.ones((3, 2)), [0, 1, 0], plot_dir=tmp_path)
