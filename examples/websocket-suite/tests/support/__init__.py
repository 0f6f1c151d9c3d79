"""Shared test support code."""
