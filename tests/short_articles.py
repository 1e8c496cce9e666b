"""Short French articles (one or two sentences) for tests where volume, not NLP, is the point:
a thousand of them take seconds of enrichment, not minutes."""

from __future__ import annotations

from schemas import RawArticle

_CITIES = ["Bruxelles", "Paris", "Lyon", "Anvers", "Liège", "Marseille", "Namur", "Lille"]
_WHAT = ["de la cocaïne", "des armes", "des faux billets", "du cannabis", "des montres volées"]


def short_articles(count: int, prefix: str = "art") -> list[RawArticle]:
    """``count`` distinct articles with ids ``<prefix>-0`` ... (stable across calls)."""
    return [
        RawArticle(
            id=f"{prefix}-{i}",
            title=f"Saisie numéro {i}",
            text=(
                f"La police de {_CITIES[i % len(_CITIES)]} a saisi {_WHAT[i % len(_WHAT)]} "
                f"lors de l'opération {i}. Le parquet fédéral a ouvert une enquête."
            ),
            source="test",
            published_at="2026-11-29",
        )
        for i in range(count)
    ]
