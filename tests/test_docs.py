"""The documentation site's sources: the API reference names every public name, the
gallery scripts are sphinx-gallery scripts, the README links its sections. (CI builds
the site itself with warnings as errors.)"""

import pathlib
import re

import pytest

import fastem
import fastem.datasets  # noqa: F401  (submodules, loaded on demand)
import fastem.plotting  # noqa: F401

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"

pytestmark = pytest.mark.skipif(not DOC.exists(), reason="no doc/ next to the tests")


def _documented():
    text = (DOC / "api.rst").read_text(encoding="utf-8")
    names, module = set(), None
    for line in text.splitlines():
        m = re.match(r"\.\. currentmodule:: (\S+)", line)
        if m:
            module = m.group(1)
        elif re.match(r"   [A-Za-z_]\w*$", line):
            names.add(f"{module}.{line.strip()}")
    constants = set(re.findall(r"``([A-Z_]+)``", text))
    return names, constants


def test_api_reference_names_every_public_name():
    names, constants = _documented()
    for module, public in ((fastem, fastem.__all__), (fastem.datasets, fastem.datasets.__all__),
                           (fastem.plotting, fastem.plotting.__all__)):
        for name in public:
            if name == "__version__":
                continue
            obj = getattr(module, name)
            if callable(obj):
                assert f"{module.__name__}.{name}" in names, name
            else:
                assert name in constants, name


def test_gallery_scripts_and_the_guide():
    scripts = sorted((ROOT / "examples" / "gallery").glob("plot_*.py"))
    assert len(scripts) >= 6
    for script in scripts:
        text = script.read_text(encoding="utf-8")
        title = re.match(r'"""\n(.+)\n(=+)\n', text)
        assert title and len(title.group(2)) >= len(title.group(1)), script.name
        assert "plotting." in text and "ax=" in text, script.name  # drawn on pyplot axes
    guide = (DOC / "guide.md").read_text(encoding="utf-8")
    assert "{include} ../README.md" in guide
    conf = (DOC / "conf.py").read_text(encoding="utf-8")
    for ext in ("sphinx.ext.autosummary", "numpydoc", "sphinx_gallery.gen_gallery"):
        assert f'"{ext}"' in conf


def test_readme_links_the_guide_sections():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    headings = {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
                for h in re.findall(r"^## (.+)$", readme, flags=re.M)}
    links = re.findall(r"\]\(#([\w-]+)\)", readme[:readme.index("## Gallery")])
    assert len(links) >= 8
    for anchor in links:
        assert anchor in headings, anchor
