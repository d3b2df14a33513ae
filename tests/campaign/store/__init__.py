"""Tests of the campaign store: migrations, geometry on both backends, and lookups."""
