"""Terms: the glossary (loading, matching), enforcing it on an engine's output, checking the result, and its
maintenance (lint, coverage, TBX/CSV/OmegaT import and export)."""
