"""The HTTP layer shared by the pages (app/web), the JSON API (app/api) and the downloads."""
