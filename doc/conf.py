"""Sphinx configuration of fastem's documentation site (``pip install ".[docs]"``,
then ``python -m sphinx -W -b html doc doc/_build/html``)."""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))  # a source checkout builds without install

import fastem  # noqa: E402

project = "fastem"
author = "The fastem developers"
copyright = "2025-2026, The fastem developers"
release = fastem.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "generated/*.examples"]
templates_path = ["_templates"]

autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

myst_heading_anchors = 3

sphinx_gallery_conf = {
    "examples_dirs": "../examples/gallery",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
}

html_theme = "alabaster"
html_theme_options = {"description": "Fast, trustworthy Expectation-Maximization",
                      "fixed_sidebar": True}
html_static_path: list = []
