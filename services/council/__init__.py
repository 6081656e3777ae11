"""The residents' voice (services/council): door-knocking outreach, the needs loop, and the
deliberation week, one module each; service.py composes their entrypoints."""
