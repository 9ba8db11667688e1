"""`flask db upgrade` builds the models' schema on SQLite and PostgreSQL, and downgrades cleanly."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from tests.helpers import both_databases
from webinar import create_app
from webinar.extensions import db
from webinar.models.base import render_item


@both_databases
def test_upgrade_matches_the_models_and_downgrade_empties(app_config) -> None:
    app = create_app(app_config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "render_item": render_item})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


@both_databases
def test_cli_upgrade_then_create_admin(app_config) -> None:
    app = create_app(app_config)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    result = runner.invoke(args=["create-admin", "--if-none"])
    assert result.exit_code == 0 and "One-time password" in result.output
    with app.app_context():
        db.engine.dispose()
