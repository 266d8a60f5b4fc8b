"""Pure pipeline definitions: functions from Ibis tables to an Ibis table.

Modules here import Ibis only, never Django: the same function runs on the tables of the
embedded SQLite, of PostgreSQL (both through :mod:`kewei.engine.runner`) and of a Spark
session (``ibis.pyspark.connect``).
"""
