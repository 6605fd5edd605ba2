"""Fuzzing the language server: mutated corpus rules in-process, JSON-RPC over stdio."""
