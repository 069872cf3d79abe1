"""StarRocks statement builders, one module per statement family; the quoting core is ``utils/sql.py``."""
