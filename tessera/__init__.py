"""Tessera: an AI-native CRM assistant. This package holds settings, the runtime wiring and the CLI."""
