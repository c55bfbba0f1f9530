"""The model widget on the hub's model pages (``skops-rs hub serve --serve-models``) in a real
browser: Chromium from the distribution's packages, headless, driven by selenium, against the
real binary on 127.0.0.1.

Three repositories are pushed with the official ``huggingface_hub`` client (through
``skops_rs.hub_utils.push`` where there is a ``config.json``): a pipeline on a string column
and a number column with string labels (``hub_utils.init`` with example data, and a card);
the same pipeline's ``.skops`` file alone (no ``config.json``: the string column is known
from the model's ``OneHotEncoder``); and a tree whose column names and card are hostile. The
tests open the pages as a person sees them, edit cells, click Compute and compare the table
the widget shows with scikit-learn's predictions on the edited rows; they check that hostile
text runs nothing, that a hub started without the flag sends no widget and no script, and that
the console has no error.

With ``SKOPS_RS_UPDATE_SCREENSHOTS=1`` the model page with a computed answer replaces
``docs/images/hub-widget.png`` (which ``docs/hub.md`` shows).
"""

from __future__ import annotations

import os
import subprocess
import sys
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
from test_hub_conformance import hub_binary, make_token, stop_hub
from test_hub_pages_browser import chromium_driver
from test_serve_widget import (
    GOOD_CARD,
    HOSTILE_CARD,
    HOSTILE_COLUMNS,
    assert_nothing_ran,
    compute,
    console_errors,
    format_number,
    input_rows,
    screenshot,
    set_cell,
)


def start_hub(data: Path, serve_models: bool) -> tuple[subprocess.Popen[str], str]:
    """A hub on a free port of 127.0.0.1 (its access log in `data/../access.log`)."""
    data.parent.mkdir(parents=True, exist_ok=True)
    args = [*hub_binary(), "hub", "serve", "--data", str(data), "--addr", "127.0.0.1:0"]
    if serve_models:
        args.append("--serve-models")
    with open(data.parent / "access.log", "a") as log:
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=log, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    assert " at http://127.0.0.1:" in line, line + (data.parent / "access.log").read_text()
    return process, line.strip().rsplit(" at ", 1)[1]


def fit_models() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    colors = pd.DataFrame(
        {"color": rng.choice(["red", "blue", "green"], 80), "size": rng.uniform(0, 6, 80)}
    )
    labels = np.where((colors["color"] == "red") | (colors["size"] > 4), "yes", "no")
    flipped = rng.uniform(size=80) < 0.2
    labels = np.where(flipped, np.where(labels == "yes", "no", "yes"), labels)
    encode = ColumnTransformer([("onehot", OneHotEncoder(), ["color"])], remainder="passthrough")
    pipe = make_pipeline(
        encode, DecisionTreeClassifier(max_depth=2, min_samples_leaf=9, random_state=0)
    ).fit(colors, labels)
    hostile_x = pd.DataFrame(rng.normal(size=(60, 2)), columns=HOSTILE_COLUMNS)
    hostile_y = (hostile_x.iloc[:, 0] > 0).astype(int) + (hostile_x.iloc[:, 1] > 0.5)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=7, random_state=0)
    tree.fit(hostile_x, hostile_y)
    return {"colors": pipe, "x_colors": colors, "hostile": tree, "x_hostile": hostile_x}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("hub-widget")
    data = root / "data"
    write_token = make_token(data, "alice", write=True)
    models = fit_models()
    folders = {}
    for name, model, rows, card in (
        ("colors", models["colors"], models["x_colors"].head(4), GOOD_CARD),
        ("hostile", models["hostile"], models["x_hostile"].head(2), HOSTILE_CARD),
    ):
        sio.dump(model, root / f"{name}.skops")
        folder = root / name
        hub_utils.init(
            model=root / f"{name}.skops",
            requirements=['scikit-learn="1.9.1"'],
            dst=folder,
            task="tabular-classification",
            data=rows,
        )
        (folder / "README.md").write_text(card)
        folders[name] = folder
    process, url = start_hub(data, serve_models=True)
    plain = None
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
        env.update(
            HF_ENDPOINT=url,
            HF_TOKEN=write_token,
            HF_HOME=str(root / "hf-home"),
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HF_HUB_DISABLE_TELEMETRY="1",
        )
        code = (
            "import skops_rs.hub_utils as h\n"
            "from huggingface_hub import HfApi\n"
            f"h.push(repo_id='alice/colors', source={str(folders['colors'])!r}, "
            "create_remote=True)\n"
            f"h.push(repo_id='alice/hostile', source={str(folders['hostile'])!r}, "
            "create_remote=True)\n"
            "api = HfApi()\n"
            "api.create_repo('alice/raw')\n"
            f"api.upload_file(path_or_fileobj={str(root / 'colors.skops')!r}, "
            "path_in_repo='colors.skops', repo_id='alice/raw')\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        # The same store, served by a hub without the flag.
        plain, plain_url = start_hub(data, serve_models=False)
        yield {**models, "url": url, "plain_url": plain_url}
    finally:
        if plain is not None:
            assert stop_hub(plain) == 0
        assert stop_hub(process) == 0


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium_driver(console_log=True)
    try:
        yield driver
    finally:
        driver.quit()


def test_the_hub_widget_predicts_what_scikit_learn_predicts(hub, browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    pipe = hub["colors"]
    browser.get(hub["url"] + "/alice/colors")
    assert browser.title == "alice/colors · skops-rs hub"
    # The page is still the hub's: the audit, the files and the card around the widget.
    audit = browser.find_element(By.ID, "audit").text
    assert "No untrusted types" in audit
    assert browser.find_element(By.CSS_SELECTOR, "#card h1").text == "Colours"
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".widget-input thead th")]
    assert headers == ["#", "color", "size"]
    example = hub["x_colors"].head(3)
    rows = input_rows(browser)
    assert [row[0] for row in rows] == example["color"].tolist()
    assert [float(row[1]) for row in rows] == example["size"].tolist()

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
    assert [row[0] for row in shown] == pipe.predict(frame).tolist()
    expected_proba = pipe.predict_proba(frame)
    assert [row[1:] for row in shown] == [[format_number(p) for p in row] for row in expected_proba]
    classes = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#widget-output thead th")]
    assert classes == ["#", "Prediction", *(f"P({c})" for c in pipe.classes_)]
    bars = browser.find_elements(By.CSS_SELECTOR, "#widget-chart .bar-fill")
    assert len(bars) == len(edited) * len(pipe.classes_)
    # An unknown category: the model's own error, shown as text.
    set_cell(browser, 0, 0, "purple")
    browser.find_element(By.ID, "widget-submit").click()
    status = browser.find_element(By.ID, "widget-status")
    WebDriverWait(browser, 20).until(lambda _: status.text.startswith("Error:"))
    assert "purple" in status.text
    set_cell(browser, 0, 0, "red")
    compute(browser)
    screenshot(browser, "hub-widget.png", tmp_path)
    # The one console error is the refused request's status (422), which the widget showed.
    errors = console_errors(browser)
    assert errors and all("422" in entry for entry in errors), errors


def test_a_skops_file_without_config_gets_its_string_columns(hub, browser) -> None:
    from selenium.webdriver.common.by import By

    pipe = hub["colors"]
    categories = pipe[0].named_transformers_["onehot"].categories_[0].tolist()
    browser.get(hub["url"] + "/alice/raw")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".widget-input thead th")]
    assert headers == ["#", "color", "size"]
    # One example row: the first known category, and zero.
    assert input_rows(browser) == [[categories[0], "0"]]
    field = browser.find_element(By.CSS_SELECTOR, ".widget-input tbody input[name='color']")
    options = browser.execute_script(
        "return [...document.getElementById(arguments[0]).options].map(o => o.value)",
        field.get_attribute("list"),
    )
    assert options == categories
    set_cell(browser, 0, 0, categories[-1])
    set_cell(browser, 0, 1, "4.5")
    browser.find_element(By.ID, "widget-add-row").click()
    set_cell(browser, 1, 0, categories[0])
    set_cell(browser, 1, 1, "1.5")
    edited = input_rows(browser)
    frame = pd.DataFrame(
        {"color": [row[0] for row in edited], "size": [float(row[1]) for row in edited]}
    )
    shown = compute(browser)
    assert [row[0] for row in shown] == pipe.predict(frame).tolist()
    expected_proba = pipe.predict_proba(frame)
    assert [row[1:] for row in shown] == [[format_number(p) for p in row] for row in expected_proba]
    assert console_errors(browser) == []


def test_hostile_names_and_cards_stay_inert(hub, browser) -> None:
    from selenium.webdriver.common.by import By

    tree = hub["hostile"]
    browser.get(hub["url"] + "/alice/hostile")
    assert_nothing_ran(browser)
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, ".widget-input thead th")]
    assert headers == ["#", *HOSTILE_COLUMNS]
    set_cell(browser, 0, 1, "nan")
    set_cell(browser, 1, 0, "0.75")
    edited = input_rows(browser)
    frame = pd.DataFrame([[float(cell) for cell in row] for row in edited], columns=HOSTILE_COLUMNS)
    shown = compute(browser)
    assert [row[0] for row in shown] == [str(label) for label in tree.predict(frame)]
    expected_proba = tree.predict_proba(frame)
    assert [row[1:] for row in shown] == [[format_number(p) for p in row] for row in expected_proba]
    assert_nothing_ran(browser)
    # The card's relative image points at the repository's (missing) `x.png`: the hub's pages
    # resolve a card's relative URLs to its files. Nothing else failed.
    errors = console_errors(browser)
    assert all("/resolve/" in entry and "x.png" in entry for entry in errors), errors


def test_a_hub_without_the_flag_sends_no_widget_and_no_script(hub, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(hub["plain_url"] + "/alice/colors")
    assert browser.find_element(By.ID, "audit").is_displayed()
    assert browser.find_elements(By.TAG_NAME, "script") == []
    assert browser.find_elements(By.ID, "widget") == []
    with urllib.request.urlopen(hub["plain_url"] + "/alice/colors", timeout=30) as response:
        assert "script-src" not in response.headers["Content-Security-Policy"]
    with urllib.request.urlopen(hub["url"] + "/alice/colors", timeout=30) as response:
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert console_errors(browser) == []
