"""The deployable catalogue kinds: metric filters, alarms, Contributor Insights rules, event selectors.

Why a module per kind: an entry's YAML holds the AWS-shaped definition (``Entry.spec``); what to do with it
(validate it beyond the JSON schema, back-test it over a store, render what AWS would receive) differs per
kind and is more than an entry class should know. Each module here provides the same four functions, which
``aiaudit.catalog.Entry`` dispatches to:

* ``check(entry)`` — validation beyond the schema, raising ``InputError`` naming the entry file;
* ``detect(ctx, entry, **params)`` — findings (an alarm's back-tested ALARM episodes; the other kinds
  report none: they are rows to read or configuration to deploy);
* ``run(entry, src, time_range, **params)`` — a ``Result``: metric per period, alarm state timeline, top
  contributors per period;
* ``render(entry, **params)`` — the text that would be deployed.

Modules are imported when first used (``importlib``, like the topic ``detect.py`` plug-ins of
``catalog.registry``), because they read other entries through ``aiaudit.catalog`` while it loads.
"""

from __future__ import annotations

import importlib
from types import ModuleType

DEPLOYABLE = ("metric_filter", "alarm", "contributor_insights", "event_selector")


def handler(kind: str) -> ModuleType:
    """The module implementing ``kind``."""
    if kind not in DEPLOYABLE:
        raise KeyError(f"{kind!r} is not a deployable catalogue kind")
    return importlib.import_module(f"{__name__}.{kind}")
