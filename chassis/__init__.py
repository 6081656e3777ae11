"""What every Gongzhi service shares: config, store access with tenancy, outbox, idempotent
event consumption, call context, health and logging. Services use these; they never copy them."""
