"""Live community indicators (社区指标), projected from events per tenant."""
