"""JSON API v1 (built by the open-data work)."""

from fastapi import APIRouter

router = APIRouter(prefix="/api/v1", tags=["api"])
