"""The initial schema: every table the project owned when migrations began.

The directory (HSDS 3.0 and `x_translation`), the search vectors, the handoff and the SMS
tables, exactly as the `create_all` calls of each area made them before this history
existed: same columns, types, keys, indexes, CHECK and UNIQUE constraints (none of them has a
server default).

A database made by those `create_all` calls has some of these tables and no
`alembic_version`. Such a database is *adopted*: the tables it has are kept with their rows,
and the ones it lacks (an area that never ran there, often SMS) are created. A bare stamp
would leave those missing for good.

Revision ID: 0001
Revises:
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES: tuple[str, ...] = (
    "accessibility",
    "address",
    "contact",
    "funding",
    "language",
    "location",
    "meta_table_description",
    "metadata",
    "organization",
    "phone",
    "required_document",
    "schedule",
    "service_area",
    "taxonomy",
    "taxonomy_term",
    "x_translation",
    "attribute",
    "organization_identifier",
    "program",
    "service",
    "cost_option",
    "service_at_location",
    "x_service_embedding",
    "x_text_embedding",
    "handoff_counsellor",
    "handoff_callback",
    "handoff_escalation",
    "handoff_message",
    "handoff_note",
    "sms_contact",
    "sms_inbound",
)
"""The tables of this revision, parents before children (read to recognise a database made
before migrations)."""


def upgrade() -> None:
    offline = op.get_context().as_sql  # `alembic upgrade --sql`: a script for an empty database
    existing = set() if offline else set(sa.inspect(op.get_bind()).get_table_names())

    def _absent(name: str) -> bool:
        return name not in existing

    # --- directory ------------------------------------------------------------
    if _absent("accessibility"):
        op.create_table(
            "accessibility",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("details", sa.Text(), nullable=True),
            sa.Column("url", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_accessibility_location_id"), "accessibility", ["location_id"], unique=False
        )
    if _absent("address"):
        op.create_table(
            "address",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("attention", sa.Text(), nullable=True),
            sa.Column("address_1", sa.Text(), nullable=False),
            sa.Column("address_2", sa.Text(), nullable=True),
            sa.Column("city", sa.Text(), nullable=False),
            sa.Column("region", sa.Text(), nullable=True),
            sa.Column("state_province", sa.Text(), nullable=False),
            sa.Column("postal_code", sa.Text(), nullable=False),
            sa.Column("country", sa.Text(), nullable=False),
            sa.Column(
                "address_type",
                sa.Enum(
                    "physical",
                    "postal",
                    "virtual",
                    name="ck_address_type",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_address_location_id"), "address", ["location_id"], unique=False)
    if _absent("contact"):
        op.create_table(
            "contact",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("organization_id", sa.String(), nullable=True),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("service_at_location_id", sa.String(), nullable=True),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("name", sa.Text(), nullable=True),
            sa.Column("title", sa.Text(), nullable=True),
            sa.Column("department", sa.Text(), nullable=True),
            sa.Column("email", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_contact_location_id"), "contact", ["location_id"], unique=False)
        op.create_index(
            op.f("ix_contact_organization_id"), "contact", ["organization_id"], unique=False
        )
        op.create_index(
            op.f("ix_contact_service_at_location_id"),
            "contact",
            ["service_at_location_id"],
            unique=False,
        )
        op.create_index(op.f("ix_contact_service_id"), "contact", ["service_id"], unique=False)
    if _absent("funding"):
        op.create_table(
            "funding",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("organization_id", sa.String(), nullable=True),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("source", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_funding_organization_id"), "funding", ["organization_id"], unique=False
        )
        op.create_index(op.f("ix_funding_service_id"), "funding", ["service_id"], unique=False)
    if _absent("language"):
        op.create_table(
            "language",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("phone_id", sa.String(), nullable=True),
            sa.Column("name", sa.Text(), nullable=True),
            sa.Column("code", sa.Text(), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_language_location_id"), "language", ["location_id"], unique=False)
        op.create_index(op.f("ix_language_phone_id"), "language", ["phone_id"], unique=False)
        op.create_index(op.f("ix_language_service_id"), "language", ["service_id"], unique=False)
    if _absent("location"):
        op.create_table(
            "location",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column(
                "location_type",
                sa.Enum(
                    "physical",
                    "postal",
                    "virtual",
                    name="ck_location_type",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
            ),
            sa.Column("url", sa.Text(), nullable=True),
            sa.Column("organization_id", sa.String(), nullable=True),
            sa.Column("name", sa.Text(), nullable=True),
            sa.Column("alternate_name", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("transportation", sa.Text(), nullable=True),
            sa.Column("latitude", sa.Float(), nullable=True),
            sa.Column("longitude", sa.Float(), nullable=True),
            sa.Column("external_identifier", sa.Text(), nullable=True),
            sa.Column("external_identifier_type", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_location_organization_id"), "location", ["organization_id"], unique=False
        )
    if _absent("meta_table_description"):
        op.create_table(
            "meta_table_description",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("name", sa.Text(), nullable=True),
            sa.Column("language", sa.Text(), nullable=True),
            sa.Column("character_set", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    if _absent("metadata"):
        op.create_table(
            "metadata",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("resource_id", sa.String(), nullable=False),
            sa.Column("resource_type", sa.Text(), nullable=False),
            sa.Column("last_action_date", sa.Text(), nullable=False),
            sa.Column("last_action_type", sa.Text(), nullable=False),
            sa.Column("field_name", sa.Text(), nullable=False),
            sa.Column("previous_value", sa.Text(), nullable=False),
            sa.Column("replacement_value", sa.Text(), nullable=False),
            sa.Column("updated_by", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_metadata_resource_id"), "metadata", ["resource_id"], unique=False)
    if _absent("organization"):
        op.create_table(
            "organization",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("alternate_name", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=False),
            sa.Column("email", sa.Text(), nullable=True),
            sa.Column("website", sa.Text(), nullable=True),
            sa.Column("tax_status", sa.Text(), nullable=True),
            sa.Column("tax_id", sa.Text(), nullable=True),
            sa.Column("year_incorporated", sa.Float(), nullable=True),
            sa.Column("legal_status", sa.Text(), nullable=True),
            sa.Column("logo", sa.Text(), nullable=True),
            sa.Column("uri", sa.Text(), nullable=True),
            sa.Column("parent_organization_id", sa.String(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_organization_parent_organization_id"),
            "organization",
            ["parent_organization_id"],
            unique=False,
        )
    if _absent("phone"):
        op.create_table(
            "phone",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("organization_id", sa.String(), nullable=True),
            sa.Column("contact_id", sa.String(), nullable=True),
            sa.Column("service_at_location_id", sa.String(), nullable=True),
            sa.Column("number", sa.Text(), nullable=False),
            sa.Column("extension", sa.Float(), nullable=True),
            sa.Column("type", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_phone_contact_id"), "phone", ["contact_id"], unique=False)
        op.create_index(op.f("ix_phone_location_id"), "phone", ["location_id"], unique=False)
        op.create_index(
            op.f("ix_phone_organization_id"), "phone", ["organization_id"], unique=False
        )
        op.create_index(
            op.f("ix_phone_service_at_location_id"),
            "phone",
            ["service_at_location_id"],
            unique=False,
        )
        op.create_index(op.f("ix_phone_service_id"), "phone", ["service_id"], unique=False)
    if _absent("required_document"):
        op.create_table(
            "required_document",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("document", sa.Text(), nullable=True),
            sa.Column("uri", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_required_document_service_id"),
            "required_document",
            ["service_id"],
            unique=False,
        )
    if _absent("schedule"):
        op.create_table(
            "schedule",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("location_id", sa.String(), nullable=True),
            sa.Column("service_at_location_id", sa.String(), nullable=True),
            sa.Column("valid_from", sa.Text(), nullable=True),
            sa.Column("valid_to", sa.Text(), nullable=True),
            sa.Column("dtstart", sa.Text(), nullable=True),
            sa.Column("timezone", sa.Float(), nullable=True),
            sa.Column("until", sa.Text(), nullable=True),
            sa.Column("count", sa.Float(), nullable=True),
            sa.Column(
                "wkst",
                sa.Enum(
                    "MO",
                    "TU",
                    "WE",
                    "TH",
                    "FR",
                    "SA",
                    "SU",
                    name="ck_wkst",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            ),
            sa.Column(
                "freq",
                sa.Enum(
                    "WEEKLY",
                    "MONTHLY",
                    name="ck_freq",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            ),
            sa.Column("interval", sa.Float(), nullable=True),
            sa.Column("byday", sa.Text(), nullable=True),
            sa.Column("byweekno", sa.Text(), nullable=True),
            sa.Column("bymonthday", sa.Text(), nullable=True),
            sa.Column("byyearday", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("opens_at", sa.Text(), nullable=True),
            sa.Column("closes_at", sa.Text(), nullable=True),
            sa.Column("schedule_link", sa.Text(), nullable=True),
            sa.Column("attending_type", sa.Text(), nullable=True),
            sa.Column("notes", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_schedule_location_id"), "schedule", ["location_id"], unique=False)
        op.create_index(
            op.f("ix_schedule_service_at_location_id"),
            "schedule",
            ["service_at_location_id"],
            unique=False,
        )
        op.create_index(op.f("ix_schedule_service_id"), "schedule", ["service_id"], unique=False)
    if _absent("service_area"):
        op.create_table(
            "service_area",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=True),
            sa.Column("name", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("extent", sa.Text(), nullable=True),
            sa.Column("extent_type", sa.Text(), nullable=True),
            sa.Column("uri", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_service_area_service_id"), "service_area", ["service_id"], unique=False
        )
    if _absent("taxonomy"):
        op.create_table(
            "taxonomy",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("description", sa.Text(), nullable=False),
            sa.Column("uri", sa.Text(), nullable=True),
            sa.Column("version", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
    if _absent("taxonomy_term"):
        op.create_table(
            "taxonomy_term",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("code", sa.Text(), nullable=True),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("description", sa.Text(), nullable=False),
            sa.Column("parent_id", sa.String(), nullable=True),
            sa.Column("taxonomy", sa.Text(), nullable=True),
            sa.Column("language", sa.Text(), nullable=True),
            sa.Column("taxonomy_id", sa.String(), nullable=True),
            sa.Column("term_uri", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_taxonomy_term_code"), "taxonomy_term", ["code"], unique=False)
        op.create_index(
            op.f("ix_taxonomy_term_parent_id"), "taxonomy_term", ["parent_id"], unique=False
        )
        op.create_index(
            op.f("ix_taxonomy_term_taxonomy_id"), "taxonomy_term", ["taxonomy_id"], unique=False
        )
    if _absent("x_translation"):
        op.create_table(
            "x_translation",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("link_entity", sa.String(), nullable=False),
            sa.Column("link_id", sa.String(), nullable=False),
            sa.Column("field", sa.String(), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=False),
            sa.Column("value", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint(
                "link_id", "link_entity", "field", "language", name="uq_x_translation"
            ),
        )
    if _absent("attribute"):
        op.create_table(
            "attribute",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("link_id", sa.String(), nullable=False),
            sa.Column("taxonomy_term_id", sa.String(), nullable=False),
            sa.Column("link_type", sa.Text(), nullable=True),
            sa.Column("link_entity", sa.String(), nullable=False),
            sa.Column("value", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["taxonomy_term_id"],
                ["taxonomy_term.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index("ix_attribute_link", "attribute", ["link_id", "link_entity"], unique=False)
        op.create_index(
            op.f("ix_attribute_taxonomy_term_id"), "attribute", ["taxonomy_term_id"], unique=False
        )
    if _absent("organization_identifier"):
        op.create_table(
            "organization_identifier",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("organization_id", sa.String(), nullable=False),
            sa.Column("identifier_scheme", sa.Text(), nullable=True),
            sa.Column("identifier_type", sa.Text(), nullable=False),
            sa.Column("identifier", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["organization_id"],
                ["organization.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_organization_identifier_organization_id"),
            "organization_identifier",
            ["organization_id"],
            unique=False,
        )
    if _absent("program"):
        op.create_table(
            "program",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("organization_id", sa.String(), nullable=False),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("alternate_name", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(
                ["organization_id"],
                ["organization.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_program_organization_id"), "program", ["organization_id"], unique=False
        )
    if _absent("service"):
        op.create_table(
            "service",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("organization_id", sa.String(), nullable=False),
            sa.Column("program_id", sa.String(), nullable=True),
            sa.Column("name", sa.Text(), nullable=False),
            sa.Column("alternate_name", sa.Text(), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("url", sa.Text(), nullable=True),
            sa.Column("email", sa.Text(), nullable=True),
            sa.Column(
                "status",
                sa.Enum(
                    "active",
                    "inactive",
                    "defunct",
                    "temporarily closed",
                    name="ck_status",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
            ),
            sa.Column("interpretation_services", sa.Text(), nullable=True),
            sa.Column("application_process", sa.Text(), nullable=True),
            sa.Column("fees_description", sa.Text(), nullable=True),
            sa.Column("wait_time", sa.Text(), nullable=True),
            sa.Column("fees", sa.Text(), nullable=True),
            sa.Column("accreditations", sa.Text(), nullable=True),
            sa.Column("eligibility_description", sa.Text(), nullable=True),
            sa.Column("minimum_age", sa.Float(), nullable=True),
            sa.Column("maximum_age", sa.Float(), nullable=True),
            sa.Column("assured_date", sa.Text(), nullable=True),
            sa.Column("assurer_email", sa.Text(), nullable=True),
            sa.Column("licenses", sa.Text(), nullable=True),
            sa.Column("alert", sa.Text(), nullable=True),
            sa.Column("last_modified", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["organization_id"],
                ["organization.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_service_organization_id"), "service", ["organization_id"], unique=False
        )
        op.create_index(op.f("ix_service_program_id"), "service", ["program_id"], unique=False)
    if _absent("cost_option"):
        op.create_table(
            "cost_option",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=False),
            sa.Column("valid_from", sa.Text(), nullable=True),
            sa.Column("valid_to", sa.Text(), nullable=True),
            sa.Column("option", sa.Text(), nullable=True),
            sa.Column("currency", sa.Text(), nullable=True),
            sa.Column("amount", sa.Float(), nullable=True),
            sa.Column("amount_description", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["service_id"],
                ["service.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_cost_option_service_id"), "cost_option", ["service_id"], unique=False
        )
    if _absent("service_at_location"):
        op.create_table(
            "service_at_location",
            sa.Column("id", sa.String(), nullable=False),
            sa.Column("service_id", sa.String(), nullable=False),
            sa.Column("location_id", sa.String(), nullable=False),
            sa.Column("description", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(
                ["location_id"],
                ["location.id"],
            ),
            sa.ForeignKeyConstraint(
                ["service_id"],
                ["service.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_service_at_location_location_id"),
            "service_at_location",
            ["location_id"],
            unique=False,
        )
        op.create_index(
            op.f("ix_service_at_location_service_id"),
            "service_at_location",
            ["service_id"],
            unique=False,
        )
    # --- search ------------------------------------------------------------
    if _absent("x_service_embedding"):
        op.create_table(
            "x_service_embedding",
            sa.Column("service_id", sa.String(length=64), nullable=False),
            sa.Column("model", sa.String(length=64), nullable=False),
            sa.Column("language", sa.String(length=8), nullable=False),
            sa.Column("text_hash", sa.String(length=40), nullable=False),
            sa.PrimaryKeyConstraint("service_id", "model", "language"),
        )
        op.create_index(
            op.f("ix_x_service_embedding_text_hash"),
            "x_service_embedding",
            ["text_hash"],
            unique=False,
        )
    if _absent("x_text_embedding"):
        op.create_table(
            "x_text_embedding",
            sa.Column("model", sa.String(length=64), nullable=False),
            sa.Column("text_hash", sa.String(length=40), nullable=False),
            sa.Column("dim", sa.Integer(), nullable=False),
            sa.Column("vector", sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint("model", "text_hash"),
        )
    # --- handoff ------------------------------------------------------------
    if _absent("handoff_counsellor"):
        op.create_table(
            "handoff_counsellor",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("name", sa.String(length=120), nullable=False),
            sa.Column("password_hash", sa.String(length=200), nullable=False),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("email"),
        )
    if _absent("handoff_callback"):
        op.create_table(
            "handoff_callback",
            sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("phone", sa.String(length=20), nullable=False),
            sa.Column("contact", sa.String(length=5), nullable=False),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("best_time", sa.String(length=200), nullable=True),
            sa.Column("need", sa.String(length=40), nullable=True),
            sa.Column("municipality", sa.String(length=10), nullable=True),
            sa.Column("crisis", sa.String(length=20), nullable=True),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("closed_by", sa.Integer(), nullable=True),
            sa.Column("closed_at", sa.Float(), nullable=True),
            sa.Column("outcome", sa.String(length=20), nullable=True),
            sa.ForeignKeyConstraint(
                ["closed_by"],
                ["handoff_counsellor.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_handoff_callback_status"), "handoff_callback", ["status"], unique=False
        )
    if _absent("handoff_escalation"):
        op.create_table(
            "handoff_escalation",
            sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("sender_id", sa.String(length=255), nullable=False),
            sa.Column("language", sa.String(length=2), nullable=False),
            sa.Column("channel", sa.String(length=40), nullable=True),
            sa.Column("need", sa.String(length=40), nullable=True),
            sa.Column("municipality", sa.String(length=10), nullable=True),
            sa.Column("crisis", sa.String(length=20), nullable=True),
            sa.Column("reason", sa.String(length=40), nullable=True),
            sa.Column("services", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("claimed_by", sa.Integer(), nullable=True),
            sa.Column("claimed_at", sa.Float(), nullable=True),
            sa.Column("closed_at", sa.Float(), nullable=True),
            sa.Column("outcome", sa.String(length=20), nullable=True),
            sa.Column("person_left_at", sa.Float(), nullable=True),
            sa.Column("last_person_at", sa.Float(), nullable=True),
            sa.Column("last_event_ts", sa.Float(), nullable=False),
            sa.Column("announced_position", sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(
                ["claimed_by"],
                ["handoff_counsellor.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(
            op.f("ix_handoff_escalation_sender_id"),
            "handoff_escalation",
            ["sender_id"],
            unique=False,
        )
        op.create_index(
            op.f("ix_handoff_escalation_status"), "handoff_escalation", ["status"], unique=False
        )
    if _absent("handoff_message"):
        op.create_table(
            "handoff_message",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("escalation_id", sa.String(length=36), nullable=False),
            sa.Column("direction", sa.String(length=10), nullable=False),
            sa.Column("author", sa.String(length=120), nullable=True),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("dedupe_key", sa.String(length=80), nullable=False),
            sa.Column("status", sa.String(length=10), nullable=False),
            sa.Column("delivered_at", sa.Float(), nullable=True),
            sa.ForeignKeyConstraint(
                ["escalation_id"],
                ["handoff_escalation.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("escalation_id", "dedupe_key", name="uq_handoff_message_dedupe"),
        )
    if _absent("handoff_note"):
        op.create_table(
            "handoff_note",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("escalation_id", sa.String(length=36), nullable=False),
            sa.Column("counsellor_id", sa.Integer(), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(
                ["counsellor_id"],
                ["handoff_counsellor.id"],
            ),
            sa.ForeignKeyConstraint(
                ["escalation_id"],
                ["handoff_escalation.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
        )
    # --- sms ------------------------------------------------------------
    if _absent("sms_contact"):
        op.create_table(
            "sms_contact",
            sa.Column("sender_id", sa.String(length=80), nullable=False),
            sa.Column("number_token", sa.Text(), nullable=False),
            sa.Column("opted_out", sa.Boolean(), nullable=False),
            sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("options", sa.Text(), nullable=True),
            sa.Column("pending", sa.Text(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("sender_id"),
        )
    if _absent("sms_inbound"):
        op.create_table(
            "sms_inbound",
            sa.Column("message_sid", sa.String(length=64), nullable=False),
            sa.Column("sender_id", sa.String(length=80), nullable=False),
            sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("message_sid"),
        )
        op.create_index(
            op.f("ix_sms_inbound_sender_id"), "sms_inbound", ["sender_id"], unique=False
        )


def downgrade() -> None:
    """Drop every table (and so every row): only for tests and throwaway databases."""
    for name in reversed(TABLES):
        op.drop_table(name)
