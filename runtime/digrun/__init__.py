"""digrun: a reference runtime that executes Digdag workflows with Digdag's semantics."""
