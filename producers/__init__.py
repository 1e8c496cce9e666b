"""Feed RawArticles into ``articles.raw``."""
