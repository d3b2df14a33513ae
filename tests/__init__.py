"""Tests of zoufang: shared fixtures, store backends and builders, and one package per layer."""
