"""Needs analytics: anonymous facts of each conversation, a daily rollup, small-cell
suppression, the staff dashboard, the CLI and the open-data export (docs/stats.md)."""
