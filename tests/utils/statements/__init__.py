"""Tests of utils/statements (a package so that its basenames do not clash with tests/operators)."""
