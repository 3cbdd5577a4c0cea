"""The Litestar application: routes by area, guards, error mapping, settings and the CLI."""
