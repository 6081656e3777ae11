"""The only HTTP entry: authentication, tenancy, problem+json errors, idempotency keys,
bounded calls to the services, and the OpenAPI document."""
