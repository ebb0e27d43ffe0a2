"""smtpcreds provider plugin: smtp2go (being built)."""
