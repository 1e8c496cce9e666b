"""The cooperation topic taxonomy: a fixed, versioned list of ids.

Consumers store these ids; renaming or removing one is a breaking change and bumps the major
version. Cue words per language live in ``data/<lang>.json`` and must only use these ids.
"""

from __future__ import annotations

TAXONOMY_VERSION = "1.0.0"

TOPICS: dict[str, str] = {
    "organized_crime": "Organised crime, mafias, criminal networks and gangs",
    "drug_trafficking": "Drug production and trafficking",
    "terrorism": "Terrorism and violent extremism",
    "war_crimes": "War crimes, crimes against humanity, genocide",
    "cybercrime": "Cybercrime: ransomware, hacking, dark-web markets",
    "human_trafficking": "Trafficking in human beings and exploitation",
    "money_laundering": "Money laundering and criminal assets",
    "corruption": "Corruption and bribery",
    "migration_border": "Migration, migrant smuggling and border control",
    "extradition_legal_assistance": "Extradition, mutual legal assistance, arrest warrants",
    "information_sharing": "Exchange of information, intelligence or data",
    "arms_trafficking": "Trafficking in arms and firearms",
    "fraud": "Fraud, scams and counterfeiting",
    "law_enforcement": "Police or justice cooperation in general",
}

TOPIC_IDS: tuple[str, ...] = tuple(TOPICS)
