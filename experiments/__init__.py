"""Paper experiments: the ResFusion model comparison on Criteo, Avazu and iPinYou."""
