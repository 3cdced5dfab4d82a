"""Customer data sovereignty: consent, the one policy decision point, vault tokens, rights, provenance, audit."""
