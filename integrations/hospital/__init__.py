"""The partner hospital's side of the integration: a kombu client (client.py) and a CLI
simulator (simulator.py). Depends on kombu only; see contracts/HOSPITAL.md."""
