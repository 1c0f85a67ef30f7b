"""A consultant's portfolio of client organisations, and the anonymised benchmark among them."""
