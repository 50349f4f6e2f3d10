"""The HSDS 3.0 tables as SQLAlchemy Core `Table`s, plus the `x_translation` extension.

Names and columns are those of the HSDS 3.0 tabular format (`data/reference/hsds/v3.0/
datapackage.json`, a test checks they match), so a CSV datapackage maps onto the database
column for column. Choices that matter to readers of the rows:

- ids are strings (HSDS recommends UUIDs but does not need them);
- `number` fields are floats; dates, times and date-times stay as their ISO 8601 text, which
  is lossless, sorts correctly, and behaves the same on SQLite and PostgreSQL;
- enums are VARCHAR with a CHECK constraint (no PostgreSQL enum types to migrate);
- only the *required* references are database foreign keys. Optional references (a phone's
  `location_id`, a location's `organization_id`…) may point outside the package, as the
  official examples do, so they are indexed but not enforced (validation warns instead).
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

SERVICE_STATUS = ("active", "inactive", "defunct", "temporarily closed")
LOCATION_TYPES = ("physical", "postal", "virtual")
ADDRESS_TYPES = ("physical", "postal", "virtual")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("WEEKLY", "MONTHLY")


def _id() -> Column:
    return Column("id", String, primary_key=True)


def _text(name: str, required: bool = False) -> Column:
    return Column(name, Text, nullable=not required)


def _number(name: str) -> Column:
    return Column(name, Float, nullable=True)


def _ref(name: str, target: str | None = None, required: bool = False) -> Column:
    """A reference column, indexed; a database foreign key only when `target` is given."""
    args = [ForeignKey(f"{target}.id")] if target else []
    return Column(name, String, *args, nullable=not required, index=True)


def _enum(name: str, values: tuple[str, ...], required: bool = False) -> Column:
    kind = Enum(*values, name=f"ck_{name}", native_enum=False, create_constraint=True, length=32)
    return Column(name, kind, nullable=not required)


organization = Table(
    "organization",
    metadata,
    _id(),
    _text("name", True),
    _text("alternate_name"),
    _text("description", True),
    _text("email"),
    _text("website"),
    _text("tax_status"),
    _text("tax_id"),
    _number("year_incorporated"),
    _text("legal_status"),
    _text("logo"),
    _text("uri"),
    _ref("parent_organization_id"),
)

program = Table(
    "program",
    metadata,
    _id(),
    _ref("organization_id", "organization", True),
    _text("name", True),
    _text("alternate_name"),
    _text("description", True),
)

service = Table(
    "service",
    metadata,
    _id(),
    _ref("organization_id", "organization", True),
    _ref("program_id"),
    _text("name", True),
    _text("alternate_name"),
    _text("description"),
    _text("url"),
    _text("email"),
    _enum("status", SERVICE_STATUS, True),
    _text("interpretation_services"),
    _text("application_process"),
    _text("fees_description"),
    _text("wait_time"),
    _text("fees"),
    _text("accreditations"),
    _text("eligibility_description"),
    _number("minimum_age"),
    _number("maximum_age"),
    _text("assured_date"),
    _text("assurer_email"),
    _text("licenses"),
    _text("alert"),
    _text("last_modified"),
)

taxonomy = Table(
    "taxonomy",
    metadata,
    _id(),
    _text("name", True),
    _text("description", True),
    _text("uri"),
    _text("version"),
)

taxonomy_term = Table(
    "taxonomy_term",
    metadata,
    _id(),
    Column("code", Text, nullable=True, index=True),
    _text("name", True),
    _text("description", True),
    _ref("parent_id"),
    _text("taxonomy"),
    _text("language"),
    _ref("taxonomy_id"),
    _text("term_uri"),
)

attribute = Table(
    "attribute",
    metadata,
    _id(),
    Column("link_id", String, nullable=False),
    _ref("taxonomy_term_id", "taxonomy_term", True),
    _text("link_type"),
    Column("link_entity", String, nullable=False),
    _text("value"),
    Index("ix_attribute_link", "link_id", "link_entity"),
)

location = Table(
    "location",
    metadata,
    _id(),
    _enum("location_type", LOCATION_TYPES, True),
    _text("url"),
    _ref("organization_id"),
    _text("name"),
    _text("alternate_name"),
    _text("description"),
    _text("transportation"),
    _number("latitude"),
    _number("longitude"),
    _text("external_identifier"),
    _text("external_identifier_type"),
)

service_at_location = Table(
    "service_at_location",
    metadata,
    _id(),
    _ref("service_id", "service", True),
    _ref("location_id", "location", True),
    _text("description"),
)

contact = Table(
    "contact",
    metadata,
    _id(),
    _ref("organization_id"),
    _ref("service_id"),
    _ref("service_at_location_id"),
    _ref("location_id"),
    _text("name"),
    _text("title"),
    _text("department"),
    _text("email"),
)

phone = Table(
    "phone",
    metadata,
    _id(),
    _ref("location_id"),
    _ref("service_id"),
    _ref("organization_id"),
    _ref("contact_id"),
    _ref("service_at_location_id"),
    _text("number", True),
    _number("extension"),
    _text("type"),
    _text("description"),
)

address = Table(
    "address",
    metadata,
    _id(),
    _ref("location_id"),
    _text("attention"),
    _text("address_1", True),
    _text("address_2"),
    _text("city", True),
    _text("region"),
    _text("state_province", True),
    _text("postal_code", True),
    _text("country", True),
    _enum("address_type", ADDRESS_TYPES, True),
)

schedule = Table(
    "schedule",
    metadata,
    _id(),
    _ref("service_id"),
    _ref("location_id"),
    _ref("service_at_location_id"),
    _text("valid_from"),
    _text("valid_to"),
    _text("dtstart"),
    _number("timezone"),
    _text("until"),
    _number("count"),
    _enum("wkst", WEEKDAYS),
    _enum("freq", FREQUENCIES),
    _number("interval"),
    _text("byday"),
    _text("byweekno"),
    _text("bymonthday"),
    _text("byyearday"),
    _text("description"),
    _text("opens_at"),
    _text("closes_at"),
    _text("schedule_link"),
    _text("attending_type"),
    _text("notes"),
)

funding = Table(
    "funding",
    metadata,
    _id(),
    _ref("organization_id"),
    _ref("service_id"),
    _text("source"),
)

service_area = Table(
    "service_area",
    metadata,
    _id(),
    _ref("service_id"),
    _text("name"),
    _text("description"),
    _text("extent"),
    _text("extent_type"),
    _text("uri"),
)

required_document = Table(
    "required_document",
    metadata,
    _id(),
    _ref("service_id"),
    _text("document"),
    _text("uri"),
)

language = Table(
    "language",
    metadata,
    _id(),
    _ref("service_id"),
    _ref("location_id"),
    _ref("phone_id"),
    _text("name"),
    _text("code"),
    _text("note"),
)

accessibility = Table(
    "accessibility",
    metadata,
    _id(),
    _ref("location_id"),
    _text("description"),
    _text("details"),
    _text("url"),
)

cost_option = Table(
    "cost_option",
    metadata,
    _id(),
    _ref("service_id", "service", True),
    _text("valid_from"),
    _text("valid_to"),
    _text("option"),
    _text("currency"),
    _number("amount"),
    _text("amount_description"),
)

organization_identifier = Table(
    "organization_identifier",
    metadata,
    _id(),
    _ref("organization_id", "organization", True),
    _text("identifier_scheme"),
    _text("identifier_type", True),
    _text("identifier", True),
)

metadata_table = Table(
    "metadata",
    metadata,
    _id(),
    Column("resource_id", String, nullable=False, index=True),
    _text("resource_type", True),
    _text("last_action_date", True),
    _text("last_action_type", True),
    _text("field_name", True),
    _text("previous_value", True),
    _text("replacement_value", True),
    _text("updated_by", True),
)

meta_table_description = Table(
    "meta_table_description",
    metadata,
    _id(),
    _text("name"),
    _text("language"),
    _text("character_set"),
)

x_translation = Table(
    "x_translation",
    metadata,
    _id(),
    Column("link_entity", String, nullable=False),
    Column("link_id", String, nullable=False),
    Column("field", String, nullable=False),
    Column("language", String(8), nullable=False),
    _text("value", True),
    # Also the index of lookups by record (`link_id` first).
    UniqueConstraint("link_id", "link_entity", "field", "language", name="uq_x_translation"),
)
"""Extension (see docs/hsds-extension.md): a text field in a language other than the record's."""

TABLES: dict[str, Table] = {table.name: table for table in metadata.sorted_tables}
"""Every table by name, parents before children (the order to insert in)."""

HSDS_TABLES: tuple[str, ...] = tuple(name for name in TABLES if name != "x_translation")

TRANSLATABLE: dict[str, tuple[str, ...]] = {
    "organization": ("name", "alternate_name", "description"),
    "program": ("name", "alternate_name", "description"),
    "service": (
        "name",
        "alternate_name",
        "description",
        "interpretation_services",
        "application_process",
        "fees_description",
        "wait_time",
        "fees",
        "accreditations",
        "eligibility_description",
        "alert",
    ),
    "location": ("name", "alternate_name", "description", "transportation"),
    "service_at_location": ("description",),
    "contact": ("title", "department"),
    "phone": ("description",),
    "schedule": ("description", "attending_type", "notes"),
    "service_area": ("name", "description"),
    "required_document": ("document",),
    "language": ("name", "note"),
    "accessibility": ("description", "details"),
    "cost_option": ("option", "amount_description"),
    "funding": ("source",),
    "taxonomy": ("name", "description"),
    "taxonomy_term": ("name", "description"),
    "attribute": ("value",),
    "organization_identifier": ("identifier_type",),
}
"""The human-readable fields of each table: the ones that exist in French and in English."""


def columns(table: str) -> tuple[str, ...]:
    """Column names of a table, in HSDS order."""
    return tuple(column.name for column in TABLES[table].columns)


def number_columns(table: str) -> frozenset[str]:
    """Columns holding HSDS `number`s (floats in the database)."""
    return frozenset(c.name for c in TABLES[table].columns if isinstance(c.type, Float))
