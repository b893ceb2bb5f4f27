"""splitlib: split language-model training from a mixture into specialized domains."""

__version__ = "0.1.0"
