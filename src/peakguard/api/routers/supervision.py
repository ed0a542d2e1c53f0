"""Supervision of staggered shipping and of unauthorised stops of pickup or delivery."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
