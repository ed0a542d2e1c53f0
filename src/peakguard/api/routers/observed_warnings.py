"""Warnings from observation: observed node state, projection, the warnings' life."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
