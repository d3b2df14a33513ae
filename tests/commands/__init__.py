"""Tests of the zoufang command line: data, ledger and route commands."""
