"""Per-vendor reviewed field tables, one module each, read by ``index.fields``."""
