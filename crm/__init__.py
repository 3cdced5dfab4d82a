"""The CRM domain: entities, the store and the services over them. Knows nothing of LangGraph or HTTP."""
