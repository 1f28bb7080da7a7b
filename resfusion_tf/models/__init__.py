"""Keras models of the zoo, built from the shared raw-feature input layer."""
