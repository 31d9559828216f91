"""Places and the taxonomy: countries (ISO 3166-1, UN M49 regions) and sectors."""
