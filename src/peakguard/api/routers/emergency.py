"""Emergency plans: the plans as data, activation, actions checked off, termination, drills."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
