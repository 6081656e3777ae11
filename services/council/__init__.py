"""Council: the residents' voice. Modules: outreach (door-knocks, weekly coverage), needs
(tickets with deadlines, dispatch, resolution and the resident's rating), deliberation (the
deliberation week: proposals, one support per resident, decisions and progress) and households
(council's own projection of the registry's households, grids and who lives alone). Each module
has its entrypoints mixin, domain functions and store module; service.py composes them."""
