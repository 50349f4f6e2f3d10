"""Relais 211: a bilingual info-référence assistant for a 211 service."""
