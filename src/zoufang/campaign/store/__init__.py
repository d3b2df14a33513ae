"""The campaign store: every table, the database, and the lookups everyone shares.

Import tables and the store from here (``from zoufang.campaign.store import Target,
open_store``); importing this package registers every table on ``Base.metadata``.

- :mod:`.base` — the declarative base and the China wall clock (:func:`local_now`);
- :mod:`.models` — territory and campaign: townships, villages, grids, targets, cadres,
  campaigns and their phases, import runs and data problems;
- :mod:`.areas` — visit-area plans, areas, the target↔area assignment, must-go visits;
- :mod:`.routes` — route settings and daily route plans (cadres, days, stops, left out);
- :mod:`.visits` — visits (走访记录), integrity flags, spot checks;
- :mod:`.issues` — issues (问题台账), their events and cases, ledger settings;
- :mod:`.users` — users and the audit log;
- :mod:`.db` — engines, migrations (:mod:`.migrations`, Alembic) and :class:`Store`;
- :mod:`.lookup` — township, campaign and phase resolution used by every command and page.
"""

from zoufang.campaign.store.areas import (
    PLAN_STATUSES,
    AreaPlan,
    AreaTarget,
    MustGoAssignment,
    VisitArea,
)
from zoufang.campaign.store.base import CHINA_TZ, Base, local_now
from zoufang.campaign.store.db import (
    DEFAULT_DB_URL,
    Store,
    current_revision,
    make_engine,
    migrate,
    open_store,
    resolve_db_url,
)
from zoufang.campaign.store.import_mappings import ImportMapping
from zoufang.campaign.store.issues import Issue, IssueCase, IssueEvent, LedgerSettings
from zoufang.campaign.store.jobs import PlanningJob
from zoufang.campaign.store.models import (
    Cadre,
    Campaign,
    DataProblem,
    Grid,
    ImportRun,
    Phase,
    Target,
    Township,
    Village,
)
from zoufang.campaign.store.routes import (
    RouteCadre,
    RouteDay,
    RouteLeftOut,
    RoutePlan,
    RouteSettings,
    RouteStop,
)
from zoufang.campaign.store.users import ROLES, AuditEntry, User
from zoufang.campaign.store.visits import IntegrityFlag, SpotCheck, Visit

__all__ = [
    "CHINA_TZ", "DEFAULT_DB_URL", "PLAN_STATUSES", "ROLES", "AreaPlan", "AreaTarget",
    "AuditEntry", "Base", "PlanningJob", "Cadre", "Campaign", "DataProblem", "Grid",
    "ImportMapping", "ImportRun",
    "IntegrityFlag", "Issue", "IssueCase", "IssueEvent", "LedgerSettings",
    "MustGoAssignment", "Phase", "RouteCadre", "RouteDay", "RouteLeftOut", "RoutePlan",
    "RouteSettings", "RouteStop", "SpotCheck", "Store", "Target", "Township", "User",
    "Village", "Visit", "VisitArea", "current_revision", "local_now", "make_engine",
    "migrate", "open_store", "resolve_db_url",
]
