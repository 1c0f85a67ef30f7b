"""Quarterly self-assessment cycles: respondents, answers, targets, sign-off and scores."""
