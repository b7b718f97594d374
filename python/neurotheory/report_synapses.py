"""Figures and captions of the synapses module (memory curves, frontier, Benna-Fusi, Monte Carlo): one fig_<name>(d, path) per reproduction in FIGURES, and
caption(name, meta) -> one plain-text paragraph. Helpers come from _report_common."""

from __future__ import annotations

from ._report_common import Data, _colors, _fmt, _legend_handles, _save_figure, _sim  # noqa: F401

FIGURES: dict = {}


def caption(name: str, meta: dict) -> str:
    raise KeyError(name)
