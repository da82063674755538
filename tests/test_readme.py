"""The README's Scaling section and examples/chunked_em.py run as written."""

import pathlib
import re
import runpy

import numpy as np
import pytest

from conftest import quiet

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _python_blocks(section):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"## {section}")
    end = text.find("\n## ", start + 3)
    body = text[start:end if end > 0 else None]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_scaling_section_runs():
    blocks = _python_blocks("Scaling")
    assert len(blocks) == 3
    by_hand, on_dask, streaming = blocks
    scope = {}
    with quiet():
        exec(compile(by_hand, "README:by-hand", "exec"), scope)
    gm = scope["gm"]
    # three well-separated clusters 5 apart: EM by hand finds them
    np.testing.assert_allclose(np.sort(gm.means_[:, 0]), [0.0, 5.0, 10.0], atol=0.05)
    assert gm.n_iter_ >= 2
    scope = {}
    with quiet():
        exec(compile(streaming, "README:streaming", "exec"), scope)
    assert scope["km"].n_steps_ == 50 and scope["gm"].n_steps_ == 50
    np.testing.assert_allclose(np.sort(scope["km"].cluster_centers_[:, 0]),
                               [0.0, 4.0, 8.0, 12.0], atol=0.2)
    pytest.importorskip("distributed")
    scope = {}
    with quiet():
        exec(compile(on_dask, "README:dask", "exec"), scope)
    assert scope["km"].cluster_centers_.shape == (8, 4)
    # standard normal data: the mean log-density of 4 features is near -4 * 1.419
    assert scope["log_density"] == pytest.approx(-4 * 0.5 * np.log(2 * np.pi * np.e),
                                                 abs=0.05)


def test_chunked_em_example_matches_the_in_memory_fit():
    module = runpy.run_path(str(ROOT / "examples" / "chunked_em.py"))
    with quiet():
        gm, ref = module["main"]()
    for name in ("weights_", "means_", "covariances_"):
        np.testing.assert_allclose(getattr(gm, name), getattr(ref, name), rtol=1e-7)
