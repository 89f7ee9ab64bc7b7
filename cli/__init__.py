"""The `c2arm` command."""
