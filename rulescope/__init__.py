"""rulescope: the public detection corpus, in the editor where rules are written."""

__version__ = "0.1.0"
