"""diglang: the Digdag workflow language — parser, AST, expressions, formatter."""
