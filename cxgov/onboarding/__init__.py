"""Getting a new client organisation from zero to its first report: checklist, next action, templates."""
