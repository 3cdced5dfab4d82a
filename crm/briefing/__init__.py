"""The rep's day, read from the store: the meeting prep card for an account and the daily brief of what to do."""
