"""Staff accounts: passwords, login, the second factor, recovery codes, password links."""
