"""Ingestion of the two inputs a clause cell has: its pipeline of sites and lots, and its candidates."""
