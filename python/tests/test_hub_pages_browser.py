"""The hub's model pages in a real browser: Chromium from the distribution's packages, headless,
driven by selenium, against `skops-rs hub serve` on 127.0.0.1.

A real model is trained, made a repository with ``skops_rs.hub_utils.init``, given a card with
evaluation plots, a binding to its file and a hostile snippet (scripts, event handlers and
``javascript:`` links that set ``window.pwned`` or the title), and pushed with
``hub_utils.push``; a second ``.skops`` file names ``os.system``. The tests read the pages as
a person sees them (visible text, a plot that loaded, the page's style applied) and check that
no script ran and that no ``<script>`` element reached the DOM.

Screenshots are written to the test's temporary folder; with ``SKOPS_RS_UPDATE_SCREENSHOTS=1``
they also replace ``docs/images/hub-list.png`` and ``docs/images/hub-model-page.png`` (which
``docs/hub.md`` shows), so an ordinary run never changes the docs.

There is no skip: without Chromium and chromedriver (``scripts/setup.sh`` installs them) the
tests fail, saying what to install.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import skops_rs.hub_utils as hub_utils
import skops_rs.io as sio
from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier
from skops_rs.card import Card
from test_hub_conformance import make_token, start_hub, stop_hub

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS_IMAGES = ROOT / "docs" / "images"
UPDATE_SCREENSHOTS = os.environ.get("SKOPS_RS_UPDATE_SCREENSHOTS") == "1"
#: What a hostile card tries: each sets `window.pwned` (or the title) if it ever runs.
HOSTILE = textwrap.dedent(
    """\
    <script>window.pwned = true; document.title = "pwned";</script>
    <img src="missing.png" onerror="window.pwned = true">
    <iframe src="javascript:parent.pwned = true"></iframe>
    <a href="javascript:window.pwned = true" id="js-link">a javascript: link</a>
    <p onmouseover="window.pwned = true" style="background: url(javascript:window.pwned=1)">
    Hover here: nothing happens.</p>
    """
)


def browser_paths() -> tuple[str, str]:
    """Chromium and its driver (``SKOPS_RS_CHROMIUM``/``SKOPS_RS_CHROMEDRIVER`` override)."""
    chromium = os.environ.get("SKOPS_RS_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
    )
    driver = os.environ.get("SKOPS_RS_CHROMEDRIVER") or shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail(
            "the model-page browser test needs Chromium and chromedriver from the "
            "distribution: `apt-get install -y chromium chromium-driver` "
            f"(scripts/setup.sh installs them); found chromium={chromium}, "
            f"chromedriver={driver}"
        )
    return chromium, driver


@dataclass
class Pushed:
    url: str
    read_token: str
    model_sha256: str
    sklearn_version: str


def post_json(url: str, token: str, body: dict) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def make_repo(folder: Path, evil_model: Path) -> tuple[Path, str]:
    """A repository folder as ``hub_utils.init`` makes it, with a bound card and plots."""
    import sklearn

    X, y = load_iris(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X_train, y_train)
    model_file = folder / "model.skops"
    sio.dump(model, model_file)
    repo = folder / "repo"
    hub_utils.init(
        model=model_file,
        requirements=[f"scikit-learn={sklearn.__version__}"],
        dst=repo,
        task="tabular-classification",
        data=X_test,
    )
    card = Card(repo / "model.skops")
    card.add(
        **{
            "Model description": "A decision tree on the iris flowers (the browser test's model).",
            "Notes from an untrusted author": HOSTILE,
        }
    )
    # Plots are written next to the card and referred to by relative path.
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        card.add_evaluation(X_test, y_test, dataset_name="iris test split")
    finally:
        os.chdir(cwd)
    card.metadata["license"] = "mit"
    card.bind_model(repo / "model.skops")
    card.save(repo / "README.md")
    (repo / "extra").mkdir()
    shutil.copy(evil_model, repo / "extra" / "evil.skops")
    return repo, sklearn.__version__


@pytest.fixture(scope="module")
def pushed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pushed]:
    """A hub holding `alice/iris` (pushed with hub_utils) and a private `alice/secret`."""
    root = tmp_path_factory.mktemp("pages")
    data = root / "data"
    write_token = make_token(data, "alice", write=True)
    read_token = make_token(data, "bob", write=False)
    process, url = start_hub(data)
    try:
        repo, sklearn_version = make_repo(
            root, ROOT / "testdata" / "malicious" / "untrusted_os_system.skops"
        )
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
            f"h.push(repo_id='alice/iris', source={str(repo)!r}, create_remote=True)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        post_json(
            f"{url}/api/repos/create",
            write_token,
            {"name": "secret", "organization": "alice", "type": "model", "private": True},
        )
        model_sha256 = hashlib.sha256((repo / "model.skops").read_bytes()).hexdigest()
        yield Pushed(url, read_token, model_sha256, sklearn_version)
    finally:
        assert stop_hub(process) == 0


def chromium_driver(console_log: bool = False) -> Any:
    """Headless Chromium driven by chromedriver, both from the distribution's packages; with
    `console_log`, the console's messages kept for `driver.get_log("browser")`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = browser_paths()
    options = Options()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        # Tests run as root in CI, where Chromium's sandbox cannot start.
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    if console_log:
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=driver_path))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    driver = chromium_driver()
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver, name: str, tmp_path: Path) -> Path:
    """The whole page as PNG in `tmp_path`, and in docs/images with the update switch."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(max(int(height) + 100, 600), 6000))
    path = tmp_path / name
    assert driver.save_screenshot(str(path))
    assert path.read_bytes().startswith(b"\x89PNG")
    if UPDATE_SCREENSHOTS:
        DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_IMAGES / name)
    driver.set_window_size(1280, 900)
    return path


def assert_no_script_ran(driver) -> None:
    from selenium.webdriver.common.by import By

    assert driver.execute_script("return typeof window.pwned") == "undefined"
    assert "pwned" not in driver.title
    assert driver.find_elements(By.TAG_NAME, "script") == []
    assert driver.find_elements(By.TAG_NAME, "iframe") == []
    handlers = driver.execute_script(
        "return [...document.querySelectorAll('*')].flatMap("
        "e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
    )
    assert handlers == []
    links = driver.execute_script(
        "return [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
    )
    assert not [link for link in links if "javascript:" in link.lower()]
    # The page's own style sheet applied (the policy allows it by hash, and only it).
    border = driver.execute_script(
        "return getComputedStyle(document.querySelector('header.top')).borderBottomStyle"
    )
    assert border == "solid"


def test_the_list_page_shows_public_models_and_private_ones_to_a_token(
    pushed: Pushed, browser, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(pushed.url + "/")
    assert browser.title == "Models · skops-rs hub"
    table = browser.find_element(By.ID, "repos").text
    assert "alice/iris" in table
    assert "alice/secret" not in table
    assert "anonymous: public repositories only" in browser.find_element(By.TAG_NAME, "header").text
    assert_no_script_ran(browser)
    link = browser.find_element(By.LINK_TEXT, "alice/iris")
    assert link.get_attribute("href") == pushed.url + "/alice/iris"
    # Pages take the API's bearer token; the browser sends it as a header here.
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd(
        "Network.setExtraHTTPHeaders",
        {"headers": {"Authorization": f"Bearer {pushed.read_token}"}},
    )
    try:
        browser.get(pushed.url + "/")
        table = browser.find_element(By.ID, "repos").text
        assert "alice/secret" in table and "private" in table
        assert "signed in as bob" in browser.find_element(By.TAG_NAME, "header").text
        screenshot(browser, "hub-list.png", tmp_path)
    finally:
        browser.execute_cdp_cmd("Network.setExtraHTTPHeaders", {"headers": {}})


def test_the_model_page_shows_card_metadata_files_and_audits(
    pushed: Pushed, browser, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(pushed.url + "/alice/iris")
    assert browser.title == "alice/iris · skops-rs hub"
    assert_no_script_ran(browser)
    # The card: its text, the hostile snippet's harmless remains, and a plot that loaded.
    card = browser.find_element(By.ID, "card")
    assert "A decision tree on the iris flowers" in card.text
    assert "Hover here: nothing happens." in card.text
    assert "model_sha256" not in card.text  # the front matter is metadata, not card text
    plot = card.find_element(By.CSS_SELECTOR, "img[alt='Confusion matrix']")
    assert "/alice/iris/resolve/" in plot.get_attribute("src")
    assert browser.execute_script(
        "return arguments[0].complete && arguments[0].naturalWidth > 0", plot
    )
    # Metadata from the card and config.json.
    metadata = browser.find_element(By.ID, "metadata").text
    for expected in ("tabular-classification", "sklearn", "skops", "mit", "model.skops"):
        assert expected in metadata, metadata
    assert pushed.sklearn_version in metadata
    # Files with size and sha256, each a download link.
    files = browser.find_element(By.ID, "files").text
    for expected in ("README.md", "config.json", "model.skops", "extra/evil.skops"):
        assert expected in files
    assert pushed.model_sha256 in files
    assert "confusion_matrix.png" in files
    # The audits: the trained model is clean, its tree trusted by validation, the card bound
    # to it; the other file names os.system, and the card is not bound to it.
    audit = browser.find_element(By.ID, "audit")
    model = audit.find_element(By.CSS_SELECTOR, "article.audit[data-file='model.skops']").text
    assert "No untrusted types: it loads with no trust list." in model
    assert "Trusted by validation: 1 node" in model
    assert "sklearn.tree._tree.Tree (validator tree): 1 node, at tree_" in model
    assert "Card: bound to this file" in model
    assert pushed.model_sha256 in model
    evil = audit.find_element(By.CSS_SELECTOR, "article.audit[data-file='extra/evil.skops']").text
    assert "1 untrusted type" in evil and "os.system at" in evil
    assert "Card: not bound to this file" in evil
    screenshot(browser, "hub-model-page.png", tmp_path)


def test_an_unknown_repository_is_a_404_page(pushed: Pushed, browser) -> None:
    from selenium.webdriver.common.by import By

    browser.get(pushed.url + "/alice/secret")
    assert browser.find_element(By.TAG_NAME, "h1").text == "404 · Repository not found"
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(pushed.url + "/alice/nope", timeout=30)
    assert error.value.code == 404
    assert error.value.headers["X-Error-Code"] == "RepoNotFound"
    assert error.value.headers["Content-Type"] == "text/html; charset=utf-8"
