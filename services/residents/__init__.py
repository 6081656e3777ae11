"""Registry: subdistrict (tenant) > community > compound (小区) > household > resident, and the
resident's timeline across services."""
