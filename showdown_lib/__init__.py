"""Showdown: scoring deep-learning frameworks with data, after the 2018 "Deep Learning Showdown"."""

__version__ = "0.1.0"
