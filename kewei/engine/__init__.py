"""The batch engine: set-based pipelines written once in Ibis, run on any supported engine.

- :mod:`kewei.engine.schemas` declares the input tables from the Django models.
- :mod:`kewei.engine.pipelines` holds pure functions from Ibis tables to an Ibis table.
- :mod:`kewei.engine.runner` compiles a pipeline to the SQL of the connection's database
  (SQLite or PostgreSQL) and runs it on Django's own connection, inside its transaction.
  The same expressions run on Spark through Ibis's pyspark backend when a bank outgrows
  one database.
"""
