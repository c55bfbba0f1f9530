"""The model widget of ``skops-rs serve`` in a real browser: Chromium from the distribution's
packages, headless, driven by selenium, against the real binary on a free 127.0.0.1 port.

Two repository folders are written with ``skops_rs.hub_utils.init``: a pipeline on a string
column and a number column with string labels (its ``config.json`` gives the columns and the
example input), with a card; and a tree whose column names and card are hostile (markup in a
column name, ``<script>`` and handlers in the card). The tests load the pages as a person sees
them, edit cells, click Compute, and compare the table the widget shows with scikit-learn's
predictions on the edited rows (labels exactly, probabilities as the widget formats them);
they check the client-side error for an empty cell, that hostile text is shown as text and
runs nothing, and that the browser console has no error.

Screenshots are written to the test's temporary folder; with ``SKOPS_RS_UPDATE_SCREENSHOTS=1``
they also replace ``docs/images/serve-widget.png`` and ``docs/images/serve-widget-result.png``
(which ``docs/serving.md`` shows).
"""

from __future__ import annotations

import math
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops_rs.hub_utils as hub_utils
import skops_rs.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder
from sklearn.tree import DecisionTreeClassifier
from test_hub_pages_browser import UPDATE_SCREENSHOTS, chromium_driver
from test_serve import Server, _serve_binary, post

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS_IMAGES = ROOT / "docs" / "images"
#: Column names of the hostile model: markup that would run if it were ever parsed as HTML.
HOSTILE_COLUMNS = ["<img src=x onerror=window.pwned=1>", "</script><script>window.pwned=2</script>"]
HOSTILE_CARD = (
    "# Hostile card\n\n<script>window.pwned = 3; document.title = 'pwned'</script>\n\n"
    '<img src="x.png" onerror="window.pwned = 4">\n\n'
    '<a href="javascript:window.pwned = 5" id="js-link">a javascript: link</a>\n'
)
GOOD_CARD = (
    "# Colours\n\nA pipeline: one-hot encoded **colour** and the size, then a decision tree.\n\n"
    "| column | kind |\n|---|---|\n| color | string |\n| size | number |\n"
)


def format_number(value: float) -> str:
    """What the widget's ``formatNumber`` shows (JavaScript's toPrecision(6) with the
    fraction's trailing zeros dropped; toExponential(3) below 1e-3)."""
    if value == 0:
        return "0"
    if abs(value) < 1e-3:
        mantissa, exponent = f"{value:.3e}".split("e")
        return f"{mantissa}e{int(exponent):+d}"
    digits = 6 - 1 - math.floor(math.log10(abs(float(f"{value:.6g}"))))
    text = f"{value:.{max(digits, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    binary, why = _serve_binary()
    if binary is None:
        pytest.fail(f"`skops-rs serve` is not built (cargo build --release -p skops-cli): {why}")
    folder = tmp_path_factory.mktemp("widget")
    rng = np.random.default_rng(0)
    colors = pd.DataFrame(
        {"color": rng.choice(["red", "blue", "green"], 80), "size": rng.uniform(0, 6, 80)}
    )
    labels = np.where((colors["color"] == "red") | (colors["size"] > 4), "yes", "no")
    # Some noise, so that leaves are mixed and probabilities are fractions.
    flipped = rng.uniform(size=80) < 0.2
    labels = np.where(flipped, np.where(labels == "yes", "no", "yes"), labels)
    encode = ColumnTransformer([("onehot", OneHotEncoder(), ["color"])], remainder="passthrough")
    pipe = make_pipeline(
        encode, DecisionTreeClassifier(max_depth=2, min_samples_leaf=9, random_state=0)
    )
    pipe.fit(colors, labels)
    hostile_x = pd.DataFrame(rng.normal(size=(60, 2)), columns=HOSTILE_COLUMNS)
    hostile_y = (hostile_x.iloc[:, 0] > 0).astype(int) + (hostile_x.iloc[:, 1] > 0.5)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=7, random_state=0)
    tree.fit(hostile_x, hostile_y)
    repos = {}
    for name, model, data, card in (
        ("colors", pipe, colors.head(4), GOOD_CARD),
        ("hostile", tree, hostile_x.head(2), HOSTILE_CARD),
    ):
        sio.dump(model, folder / f"{name}.skops")
        repo = folder / name
        hub_utils.init(
            model=folder / f"{name}.skops",
            requirements=['scikit-learn="1.9.1"'],
            dst=repo,
            task="tabular-classification",
            data=data,
        )
        (repo / "README.md").write_text(card)
        repos[name] = repo
    server = Server(binary, [str(repos["colors"]), str(repos["hostile"])], folder / "serve.log")
    try:
        yield {"url": server.url, "colors": pipe, "hostile": tree, "x_colors": colors}
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # The console's messages, for the no-error check.
    driver = chromium_driver(console_log=True)
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str, tmp_path: Path) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height) + 100, 600), 4000))
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
    if UPDATE_SCREENSHOTS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMAGES / name)
    driver.set_window_size(1280, 900)
    return path


def console_errors(driver: Any) -> list[str]:
    """The console's errors since the last call (the favicon's 404 aside: none is served)."""
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and "favicon.ico" not in entry["message"]
    ]


def input_rows(driver: Any) -> list[list[str]]:
    return driver.execute_script(
        "return [...document.querySelectorAll('table.widget-input tbody tr')].map("
        "r => [...r.querySelectorAll('input')].map(i => i.value))"
    )


def set_cell(driver: Any, row: int, column: int, text: str) -> None:
    from selenium.webdriver.common.by import By

    cell = driver.find_elements(By.CSS_SELECTOR, "table.widget-input tbody tr")[row]
    field = cell.find_elements(By.TAG_NAME, "input")[column]
    field.clear()
    if text:
        field.send_keys(text)


def compute(driver: Any) -> list[list[str]]:
    """Clicks Compute and waits for the answer: the output table's cells, row by row."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "widget-submit").click()
    WebDriverWait(driver, 20).until(
        ec.text_to_be_present_in_element((By.ID, "widget-status"), "Done")
    )
    return driver.execute_script(
        "return [...document.querySelectorAll('#widget-output tbody tr')].map("
        "r => [...r.querySelectorAll('td')].map(c => c.textContent))"
    )


def assert_nothing_ran(driver: Any) -> None:
    from selenium.webdriver.common.by import By

    assert driver.execute_script("return typeof window.pwned") == "undefined"
    assert "pwned" not in driver.title
    scripts = driver.execute_script(
        "return [...document.scripts].map(s => s.getAttribute('src') || s.type)"
    )
    assert scripts == ["application/json", "/static/widget.js"], scripts
    handlers = driver.execute_script(
        "return [...document.querySelectorAll('*')].flatMap("
        "e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    assert driver.find_elements(By.CSS_SELECTOR, "#widget img") == []


def test_the_list_page_links_the_models(served, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    browser.get(served["url"] + "/")
    text = browser.find_element(By.TAG_NAME, "main").text
    assert "colors" in text and "hostile" in text
    assert "sklearn.pipeline.Pipeline" in text and "native" in text
    assert "tabular-classification" in text
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "main a")]
    assert served["url"] + "/models/colors" in links
    # JSON for a client that does not ask for HTML, as before.
    with urllib.request.urlopen(served["url"] + "/", timeout=30) as response:
        assert response.headers["Content-Type"] == "application/json"
    assert console_errors(browser) == []


def test_the_widget_predicts_what_scikit_learn_predicts(served, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    pipe = served["colors"]
    browser.get(served["url"] + "/models/colors")
    card = browser.find_element(By.CSS_SELECTOR, "section.card")
    assert card.find_element(By.TAG_NAME, "h1").text == "Colours"
    assert card.find_element(By.TAG_NAME, "table").is_displayed()
    meta = browser.find_element(By.CSS_SELECTOR, "dl.meta").text
    assert "sklearn.pipeline.Pipeline" in meta and "predict_proba" in meta
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".widget-input thead th")]
    assert headers == ["#", "color", "size"]
    # hub_utils.init writes the first 3 rows of the data as the example input.
    example = served["x_colors"].head(3)
    rows = input_rows(browser)
    assert [row[0] for row in rows] == example["color"].tolist()
    assert [float(row[1]) for row in rows] == example["size"].tolist()
    screenshot(browser, "serve-widget.png", tmp_path)

    set_cell(browser, 0, 0, "red")
    set_cell(browser, 1, 1, "5.5")
    set_cell(browser, 2, 0, "green")
    browser.find_element(By.ID, "widget-add-row").click()
    set_cell(browser, 3, 0, "blue")
    set_cell(browser, 3, 1, "0.25")
    edited = input_rows(browser)
    frame = pd.DataFrame(
        {"color": [row[0] for row in edited], "size": [float(row[1]) for row in edited]}
    )
    shown = compute(browser)
    expected_labels = pipe.predict(frame).tolist()
    expected_proba = pipe.predict_proba(frame)
    assert [row[0] for row in shown] == expected_labels
    assert [row[1:] for row in shown] == [[format_number(p) for p in row] for row in expected_proba]
    classes = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#widget-output thead th")]
    assert classes == ["#", "Prediction", *(f"P({c})" for c in pipe.classes_)]
    bars = browser.find_elements(By.CSS_SELECTOR, "#widget-chart .bar-fill")
    assert len(bars) == len(edited) * len(pipe.classes_)
    width = bars[0].value_of_css_property("width")
    assert width.endswith("px")
    assert browser.find_element(By.ID, "widget-status").get_attribute("class").endswith("good")
    screenshot(browser, "serve-widget-result.png", tmp_path)

    # An empty cell: the widget refuses it itself, and the old result goes.
    set_cell(browser, 1, 1, "")
    browser.find_element(By.ID, "widget-submit").click()
    status = browser.find_element(By.ID, "widget-status")
    assert status.text == "row 2, column size: the cell is empty"
    assert status.get_attribute("class").endswith("bad")
    # Text in a number column: refused by the widget too.
    set_cell(browser, 1, 1, "abc")
    browser.find_element(By.ID, "widget-submit").click()
    assert "is not a number" in status.text
    assert console_errors(browser) == []


def test_hostile_names_and_cards_are_text_and_run_nothing(served, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    tree = served["hostile"]
    browser.get(served["url"] + "/models/hostile")
    assert_nothing_ran(browser)
    card = browser.find_element(By.CSS_SELECTOR, "section.card")
    assert card.find_element(By.TAG_NAME, "h1").text == "Hostile card"
    # The card's relative image lost its URL (the server serves no repository files).
    assert [img.get_attribute("src") for img in card.find_elements(By.TAG_NAME, "img")] == [None]
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".widget-input thead th")]
    assert headers == ["#", *HOSTILE_COLUMNS]
    # A missing value ("nan") is sent as null in an FP64 tensor: NaN, as scikit-learn reads it.
    set_cell(browser, 0, 1, "nan")
    set_cell(browser, 1, 0, "0.75")
    edited = input_rows(browser)
    frame = pd.DataFrame([[float(cell) for cell in row] for row in edited], columns=HOSTILE_COLUMNS)
    shown = compute(browser)
    assert [row[0] for row in shown] == [str(label) for label in tree.predict(frame)]
    expected_proba = tree.predict_proba(frame)
    assert [row[1:] for row in shown] == [[format_number(p) for p in row] for row in expected_proba]
    assert_nothing_ran(browser)
    assert console_errors(browser) == []


def test_the_widget_request_with_a_null_number_equals_scikit_learn(served) -> None:
    """The request the widget sends (``pd``, FP64 with null for NaN), without a browser."""
    tree = served["hostile"]
    frame = pd.DataFrame([[np.nan, 0.3], [0.2, np.nan]], columns=HOSTILE_COLUMNS)
    body = {
        "parameters": {"content_type": "pd"},
        "inputs": [
            {
                "name": name,
                "shape": [2],
                "datatype": "FP64",
                "data": [None if np.isnan(v) else v for v in frame[name]],
            }
            for name in HOSTILE_COLUMNS
        ],
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    status, answer = post(served["url"] + "/v2/models/hostile/infer", body)
    assert status == 200, answer
    assert answer["outputs"][0]["data"] == tree.predict(frame).tolist()
    assert answer["outputs"][1]["data"] == tree.predict_proba(frame).ravel().tolist()
