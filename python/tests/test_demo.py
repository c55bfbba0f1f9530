"""The README's demo command runs to the end: every step checks its own result."""

import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from skops_rs.card import parse_modelcard

DEMO = Path(__file__).resolve().parent.parent / "demo.py"


def demo_module():
    """python/demo.py imported as a module (it is a script, not in a package)."""
    if "skops_rs_demo" in sys.modules:
        return sys.modules["skops_rs_demo"]
    spec = importlib.util.spec_from_file_location("skops_rs_demo", DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses look their module up while the module runs.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_runs_every_step(tmp_path):
    env = {**os.environ, "SKOPS_RS_DEMO_OUT": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, env=env, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "demo finished: every step did what it should" in completed.stdout
    # The steps that matter to a user: the trees are validated, so the file loads with no
    # trusted list (skops 0.16 asks for one); a tampered tree is refused; both libraries load.
    assert "[validated: tree]" in completed.stdout
    assert "skops 0.16 get_untrusted_types: ['sklearn.tree._tree.Tree']" in completed.stdout
    assert "no untrusted types" in completed.stdout
    assert "kind='validate-tree-child-out-of-range'" in completed.stdout
    assert "skops 0.16 load of the skops_rs file: predict_proba" in completed.stdout
    assert {p.name for p in tmp_path.iterdir()} >= {
        "forest_pipeline.skops",
        "forest_pipeline.by-skops.skops",
        "README.md",
        "confusion_matrix.png",
        "confusion_matrix.svg",
        "feature_importances.png",
        "feature_importances.svg",
    }
    # Step 6: the card is bound to the saved file, edited in place, and `card check` passes.
    assert "README.md: matches `" in completed.stdout
    card = parse_modelcard(tmp_path / "README.md")
    assert card.metadata["model_file"] == "forest_pipeline.skops"
    assert card.metadata["model_sha256"] == sha256(tmp_path / "forest_pipeline.skops")
    assert card.metadata["model-index"][0]["results"][0]["metrics"][0]["type"] == "accuracy"
    assert "edited with `skops-rs card set`" in card.select("Model Card Authors").content
    # Plots are linked relative to the card, so the folder can be uploaded as it is.
    assert "](confusion_matrix.png)" in card.render()
    assert (tmp_path / "confusion_matrix.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert card.check_model(tmp_path / "forest_pipeline.skops") == []

    # Step 7: shared through a local hub and back, loaded with no trusted list.
    out = completed.stdout
    assert "config.json: model forest_pipeline.skops (skops), task tabular-classification" in out
    assert re.search(
        r"on the hub: demo/forest-pipeline at commit [0-9a-f]{12}, "
        r"pipeline_tag tabular-classification",
        out,
    ), out
    assert "downloaded into " in out and ": the same files as " in out
    assert "the downloaded model: predict_proba on 750 rows identical" in out
    downloaded = tmp_path / "forest-downloaded"
    assert sorted(p.name for p in downloaded.iterdir()) == sorted(
        p.name for p in (tmp_path / "forest-repo").iterdir()
    )
    assert {"config.json", "README.md", "forest_pipeline.skops"} <= {
        p.name for p in downloaded.iterdir()
    }
    assert sha256(downloaded / "forest_pipeline.skops") == sha256(
        tmp_path / "forest_pipeline.skops"
    )
    # The card still binds the downloaded file.
    assert out.count("README.md: matches `") == 2
    page = re.search(r"model page: (http://127\.0\.0\.1:\d+/demo/forest-pipeline)\n", out)
    assert page, out
    after_page = out[page.end() :]
    assert "audit shown on the model page:\n" in after_page
    assert "\n  [forest_pipeline.skops]\n" in after_page
    # Step 8: the native engine and `skops-rs predict` give scikit-learn's bits.
    assert "Predictor.from_file(" in out and "sklearn.pipeline.Pipeline" in out
    assert "native predict_proba on 750 rows: the same bits as scikit-learn's" in out
    assert re.search(r"one row: scikit-learn \d+ µs, native [\d.]+ µs", out), out
    assert "held-out.predictions.csv: the same bits as scikit-learn's predict_proba" in out
    assert "  proba_0,proba_1\n" in out
    predictions = (tmp_path / "held-out.predictions.csv").read_text().splitlines()
    assert predictions[0] == "proba_0,proba_1" and len(predictions) == 751
    # Step 9: the downloaded folder served; the widget's request answered with sklearn's bits.
    assert re.search(r"skops-rs serve: serving 1 model at http://127\.0\.0\.1:\d+", out), out
    assert "model page with the widget: http://127.0.0.1:" in out
    assert "served over HTTP: the same bits as scikit-learn's predict_proba" in out
    assert re.search(r"skops-rs serve stopped: pid \d+, exit code 0\n", out), out
    # The hub was stopped, gracefully, and its process is gone.
    stopped = re.search(r"hub stopped: pid (\d+), exit code 0\n", out)
    assert stopped, out
    assert not Path(f"/proc/{stopped[1]}").exists()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(page[1], timeout=5)


PAGE = """<!doctype html><html><body><h1>demo/forest-pipeline</h1>
<section id="card"><p>Not the audit.</p></section>
<section id="audit"><h2>Audit</h2>
<article class="audit" data-file="model.skops"><h3>model.skops</h3>
<p>Untrusted types: <b>none</b></p><ul><li>trusted by validation: 50 trees</li>
<li>card   bound to this file:
yes</li></ul><section class="inner"><p>nested</p></section></article>
<article class="audit" data-file="other.skops"><table><tr><td>sklearn.tree._tree.Tree</td>
<td>steps[1][1]</td></tr></table><br>after a break</article>
</section><footer>Not the audit either.</footer></body></html>"""


def test_the_audit_section_of_a_model_page_is_read_as_lines_of_text():
    demo = demo_module()
    assert demo.audit_on_page(PAGE) == [
        "Audit",
        "[model.skops]",
        "model.skops",
        "Untrusted types: none",
        "trusted by validation: 50 trees",
        "card bound to this file: yes",
        "nested",
        "[other.skops]",
        "sklearn.tree._tree.Tree steps[1][1]",
        "after a break",
    ]
    assert demo.audit_on_page(PAGE.replace('id="audit"', 'id="files"')) is None


def test_the_local_hub_is_stopped_when_a_step_fails(tmp_path):
    demo = demo_module()
    with pytest.raises(demo.DemoFailed, match="a step failed"):
        with demo.local_hub(tmp_path) as hub:
            process = hub.process
            # The hub answers while the block runs (whoami without a token: 401).
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{hub.url}/api/whoami-v2", timeout=30)
            assert refused.value.code == 401
            raise demo.DemoFailed("a step failed")
    assert process.returncode == 0
    assert not Path(f"/proc/{process.pid}").exists()


def test_a_hub_stopped_as_soon_as_it_prints_its_url_shuts_down_cleanly(tmp_path):
    """The signal handlers exist before the URL is printed: a SIGTERM sent the moment a client
    has read it is a clean shutdown (exit 0), not death by the signal's default action (-15),
    which the servers' shutdown task used to allow until it first ran."""
    demo = demo_module()
    executable = str(demo.skops_rs_executable())
    for attempt in range(5):
        data = tmp_path / f"hub-{attempt}"
        process = subprocess.Popen(
            [executable, "hub", "serve", "--data", str(data), "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        line = process.stdout.readline()
        assert " at http://" in line
        process.terminate()
        assert process.wait(timeout=30) == 0, attempt
        process.stdout.close()
