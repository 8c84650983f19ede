"""pandera schemas of the canonical tables (column-level rules, TG1xx); run by `validators.schema`."""

from trialguard.schemas.tables import SCHEMAS, schema_for

__all__ = ["SCHEMAS", "schema_for"]
