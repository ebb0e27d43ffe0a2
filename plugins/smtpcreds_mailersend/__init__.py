"""smtpcreds provider plugin: mailersend (being built)."""
