"""The full-text index of the union catalogue, and the searches it answers."""
