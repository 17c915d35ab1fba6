"""The database: tables, engines, one transaction per request, schema migrations."""
