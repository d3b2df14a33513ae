"""Tests of importing targets, grids and cadres into the campaign store."""
