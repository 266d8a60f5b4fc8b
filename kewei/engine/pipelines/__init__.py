"""Pure pipeline definitions: functions from Ibis tables to an Ibis table."""
