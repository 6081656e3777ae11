"""Door-knocking outreach (亲情敲门): knocks, and weekly coverage per community and grid."""
