"""What an agent may call: thin, typed wrappers over the CRM domain, one tool a module."""
