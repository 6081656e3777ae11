"""Council: the residents' voice. Modules: outreach (door-knocks, weekly coverage), needs
(tickets with deadlines, dispatch, resolution and the resident's rating), households (council's
own projection of the registry's households, grids and who lives alone) and, later,
deliberation. Each module has its entrypoints mixin, domain functions and store module."""
