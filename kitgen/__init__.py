"""kitgen: the sales kit that sales and marketing negotiated, built, versioned and signed off."""

__version__ = "0.1.0"
