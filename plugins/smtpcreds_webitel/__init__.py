"""smtpcreds provider plugin: webitel (being built)."""
