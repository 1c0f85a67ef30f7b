"""The governance register: people, channels, journeys, touchpoints, CX roles and mandates."""
