"""smtpcreds provider plugin: envfile (being built)."""
