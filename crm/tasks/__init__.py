"""Tasks and reminders: first-class follow-ups with a due time, an owner and a link to an account, deal or contact."""
