"""Projects: the catalogue's record, its filter and its queries."""
