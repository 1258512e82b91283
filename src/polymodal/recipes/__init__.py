"""Recipes: plain functions, one per way of training or evaluating."""
