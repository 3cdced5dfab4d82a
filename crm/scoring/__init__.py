"""Deal scores: a win-probability model trained on the store's own closed deals, each score explained."""
