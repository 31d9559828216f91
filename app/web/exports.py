"""CSV, GeoJSON and data-package downloads (built by the open-data work)."""

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
