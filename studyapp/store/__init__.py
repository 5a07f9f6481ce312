"""SQLite storage through SQLModel: tables, the engine, and the queries the services use."""
