"""diglsp: the Digdag language server (diagnostics, completion, navigation), built on diglang."""
