"""The Azure Resource Manager side: JSON, created by prepare (the translation)."""
