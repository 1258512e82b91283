"""Datasets, one module each, read from their official file formats."""
