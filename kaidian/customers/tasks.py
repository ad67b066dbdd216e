"""Background jobs of the customers package (none yet: logins and profiles are written in the request)."""
