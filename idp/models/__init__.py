"""The provider's tables, one module per concept; all share ``Base.metadata``."""
