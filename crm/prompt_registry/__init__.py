"""The prompt registry: every prompt's versions, the labels that point at them (production, staging), diffs, and the
eval runs recorded per version. The files in prompts/ are each prompt's first, seeded version (README.md)."""
