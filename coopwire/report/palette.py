"""Colours and names for topics and countries, the same in every report so readers learn them.

Topic colours follow the topic taxonomy's order, so adding a topic at the end never changes the
colour of the existing ones.
"""

from __future__ import annotations

import pycountry

from processors.enrichment.taxonomy import TOPIC_IDS, TOPICS

# Colour-blind-friendly qualitative colours (Okabe-Ito, then Tableau).
_COLOURS = (
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#009E73",
    "#E69F00",
    "#56B4E9",
    "#8C564B",
    "#F0E442",
    "#9467BD",
    "#17BECF",
    "#BCBD22",
    "#7F7F7F",
    "#E377C2",
    "#1F3B73",
)
UNKNOWN_COLOUR = "#B0B0B0"


def topic_colour(topic: str | None) -> str:
    if topic in TOPIC_IDS:
        return _COLOURS[TOPIC_IDS.index(topic) % len(_COLOURS)]
    return UNKNOWN_COLOUR


def topic_label(topic: str | None) -> str:
    if topic is None:
        return "no topic"
    return TOPICS.get(topic, topic.replace("_", " "))


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or (country.name if country else code)
