"""Sources: the documents every figure and statement comes from."""
