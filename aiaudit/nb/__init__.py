"""Per-question analysis for the investigation notebooks (``notebooks/*.ipynb``).

Each function takes an :class:`~aiaudit.notebook.Investigation` and returns an
:class:`~aiaudit.nb.common.Answer` (tables, plotly figures, findings); a notebook step is one such call
and a display. See ``docs/notebooks.md``.
"""

from aiaudit.nb.common import Answer

__all__ = ["Answer"]
