"""Alembic environment: runs on the engine handed over by zoufang.campaign.store.db.migrate."""

from alembic import context

from zoufang.campaign.store.geometry import compare_geometry_type
from zoufang.campaign.store import Base
from zoufang.campaign.store.db import include_in_comparison

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # pragma: no cover - only when alembic is run by hand
    from zoufang.campaign.store import make_engine, resolve_db_url

    engine = make_engine(resolve_db_url(config.get_main_option("sqlalchemy.url")))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_geometry_type,
        include_object=include_in_comparison,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
