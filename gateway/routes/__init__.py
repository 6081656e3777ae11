"""One routes module per area (registry, health, events, council, metrics), each a class of
`@api` methods with the RPC proxies it needs; gateway/service.py composes them into the one
gateway service. nameko finds entrypoints and dependencies on base classes too."""
