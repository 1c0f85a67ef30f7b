"""The change history: who changed what in an organisation's data, with before and after."""
