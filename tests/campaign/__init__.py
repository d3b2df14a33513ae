"""Tests of the campaign layer: store, imports, visits, issues, measures, routes and exports."""
