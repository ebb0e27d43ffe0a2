"""smtpcreds provider plugin: exec (being built)."""
