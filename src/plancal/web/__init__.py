"""The web pages: a unit's page (its open items, reporting what it sent) and a plan's year at a glance."""
