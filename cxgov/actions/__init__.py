"""The action plan: recommended next steps become owned, dated actions the next quarter follows up."""
