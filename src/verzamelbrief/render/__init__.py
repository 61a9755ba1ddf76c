"""Rendering the report: Quarto where installed, otherwise the offline renderer."""

from .embed import RenderError

__all__ = ["RenderError"]
