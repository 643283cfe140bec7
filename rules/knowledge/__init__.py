"""The drafter's knowledge base (YAML data; see items.yaml)."""
