"""The blueprints: one module per user role, plus the JSON API and the shared pages.

``auth`` (log-in), ``planner``, ``field``, ``leader``, ``admin``, ``common`` (one target,
one issue) and ``api`` (``/api/v1``). No view module imports another: what they share is
in :mod:`zoufang.web.context`, :mod:`zoufang.web.queries`, :mod:`zoufang.web.forms` and
:mod:`zoufang.web.responses`.
"""
