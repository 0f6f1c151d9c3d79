"""declone: find copy-pasted Python classes and consolidate each family into one."""

__all__ = ["__version__"]

__version__ = "0.1.0"
