"""The residents' deliberation week (居民议事周): deliberations, proposals, one support per
resident, decisions and implementation tracked to the end."""
