"""Readers: turn the files partners send (CSV, XLSX, DECP JSON) into typed, validated tables."""
