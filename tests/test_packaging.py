"""Packaging metadata: one version source, an SPDX license with its file, classifiers,
an sdist that carries what its tests need (CI builds it and runs its tests)."""

import importlib.metadata
import pathlib
import re
import sys

import pytest

import fastem
import fastem.datasets  # noqa: F401  (a submodule, loaded on demand)

ROOT = pathlib.Path(__file__).resolve().parents[1]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")


def _pyproject():
    path = ROOT / "pyproject.toml"
    if not path.exists():
        pytest.skip("no pyproject.toml next to the tests")
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_one_version_source():
    project = _pyproject()["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert _pyproject()["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "fastem.__version__"}
    assert importlib.metadata.version("fastem") == fastem.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+((a|b|rc)\d+)?(\.dev\d+)?", fastem.__version__)


def test_license_classifiers_and_urls():
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("BSD 3-Clause License") and "fastem developers" in text
    classifiers = project["classifiers"]
    assert not any(c.startswith("License ::") for c in classifiers)  # the SPDX field says it
    for minor in range(10, 14):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert project["requires-python"] == ">=3.10"
    assert any(c.startswith("Operating System ::") for c in classifiers)
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert all("example.invalid" not in url for url in project.get("urls", {}).values())


def test_sdist_carries_what_its_tests_need_and_the_changelog_this_release():
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8")
    assert "graft tests" in manifest and "graft examples" in manifest
    assert (ROOT / "tests" / "conftest.py").exists() and (ROOT / "tests" / "naive.py").exists()
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    release = fastem.__version__.split(".dev")[0]
    assert f"## {release}" in changelog


def test_the_command_line_lives_in_one_subpackage():
    scripts = _pyproject()["project"]["scripts"]
    assert scripts == {"fastem": "fastem.commands.cli:main"}
    package = pathlib.Path(fastem.__file__).parent
    assert {p.stem for p in (package / "commands").glob("*.py")} == {
        "__init__", "cli", "fit", "demo", "bench", "warmup"}
    top = {p.stem for p in package.glob("*.py")}
    assert not top & {"cli", "_fitcli", "_demo", "_bench", "_warmup"}
    assert {"kmeans", "gaussian_mixture", "binomial_mixture", "plotting", "datasets"} <= top


def test_typed_package():
    package = pathlib.Path(fastem.__file__).parent
    assert (package / "py.typed").exists()
    assert "py.typed" in _pyproject()["tool"]["setuptools"]["package-data"]["fastem"]
    assert "Typing :: Typed" in _pyproject()["project"]["classifiers"]
    # the public signatures carry hints
    import inspect

    for method in (fastem.KMeans.fit, fastem.GaussianMixture.predict_proba,
                   fastem.BinomialMixture.bic, fastem.GaussianMixture.statistics,
                   fastem.datasets.load_iris, fastem.kmeans_plusplus):
        hints = inspect.signature(method)
        assert hints.return_annotation is not inspect.Signature.empty, method
