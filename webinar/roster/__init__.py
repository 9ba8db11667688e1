"""Group rosters: read the university's CSV, issue accounts, print the logins."""
