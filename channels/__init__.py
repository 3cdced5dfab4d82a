"""Speaking to the outside: the HTTP API, the terminal chat (and later Slack, WeCom, the web pages)."""
