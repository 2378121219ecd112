"""Helpers shared by test modules: plain functions and constants, no tests and no fixtures.

A test module imports what it needs from here (or asks a conftest fixture for it), never
from another test module.
"""
