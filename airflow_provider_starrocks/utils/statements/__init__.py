"""Statement builders, one module per statement family; each builder returns a ``Statement``."""
