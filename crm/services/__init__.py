"""CRM services: plain functions over a SQLAlchemy session, scoped by the acting user."""
