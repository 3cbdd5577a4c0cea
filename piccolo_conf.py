"""Piccolo's configuration: the engine (from DATABASE_URL) and the one app that holds our tables."""

from piccolo.conf.apps import AppRegistry
from piccolo.engine.postgres import PostgresEngine

from server.settings import postgres_config, settings

DB = PostgresEngine(config=postgres_config(settings().database_url))

APP_REGISTRY = AppRegistry(apps=["db.piccolo_app"])
