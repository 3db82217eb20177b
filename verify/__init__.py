"""Verification API, trust list, offline bundle and records of use."""
