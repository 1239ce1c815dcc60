"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("device_id", sa.LargeBinary(length=16), nullable=True),
        sa.Column("targets", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("completed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
        sa.UniqueConstraint("uuid", name=op.f("uq_audit_log_uuid")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_created_at"), ["created_at"], unique=False)

    op.create_table(
        "content_kinds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_kinds")),
        sa.UniqueConstraint("name", name=op.f("uq_content_kinds_name")),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("os", sa.Text(), nullable=False),
        sa.Column("os_version", sa.Text(), nullable=True),
        sa.Column("hardware_model", sa.Text(), nullable=True),
        sa.Column("network_addresses", sa.Text(), nullable=True),
        sa.Column("is_online", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("capabilities", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
        sa.UniqueConstraint("uuid", name=op.f("uq_devices_uuid")),
    )
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("state", sa.LargeBinary(), nullable=True),
        sa.Column("progress", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("parent_id", sa.String(length=36), nullable=True),
        sa.Column("resumed_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=True),
        sa.Column("finished_at", sa.BigInteger(), nullable=True),
        sa.Column("checkpointed_at", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jobs_status"), ["status"], unique=False)

    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["labels.id"], name=op.f("fk_labels_parent_id_labels"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint("uuid", name=op.f("uq_labels_uuid")),
    )
    op.create_table(
        "mime_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mime", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mime_types")),
        sa.UniqueConstraint("mime", name=op.f("uq_mime_types_mime")),
    )
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("color", sa.String(length=16), nullable=True),
        sa.Column("icon", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
        sa.UniqueConstraint("uuid", name=op.f("uq_tags_uuid")),
    )
    op.create_table(
        "user_metadata",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("favorite", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("custom_data", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_metadata")),
        sa.UniqueConstraint("uuid", name=op.f("uq_user_metadata_uuid")),
    )
    with op.batch_alter_table("user_metadata", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_metadata_favorite"), ["favorite"], unique=False)

    op.create_table(
        "content_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("cas_id", sa.String(length=16), nullable=False),
        sa.Column("integrity_hash", sa.String(length=64), nullable=True),
        sa.Column("kind_id", sa.Integer(), nullable=True),
        sa.Column("mime_type_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_data", sa.Text(), nullable=True),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("last_verified_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["kind_id"], ["content_kinds.id"], name=op.f("fk_content_identities_kind_id_content_kinds")
        ),
        sa.ForeignKeyConstraint(
            ["mime_type_id"], ["mime_types.id"], name=op.f("fk_content_identities_mime_type_id_mime_types")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_identities")),
        sa.UniqueConstraint("cas_id", name=op.f("uq_content_identities_cas_id")),
        sa.UniqueConstraint("uuid", name=op.f("uq_content_identities_uuid")),
    )
    with op.batch_alter_table("content_identities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_identities_kind_id"), ["kind_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_identities_size"), ["size"], unique=False)

    op.create_table(
        "locations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.LargeBinary(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("index_mode", sa.String(length=16), nullable=False),
        sa.Column("scan_state", sa.String(length=16), nullable=False),
        sa.Column("last_scan_at", sa.BigInteger(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("total_file_count", sa.BigInteger(), nullable=False),
        sa.Column("total_byte_size", sa.BigInteger(), nullable=False),
        sa.Column("indexer_rules", sa.Text(), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_locations_device_id_devices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("device_id", "path", name=op.f("uq_locations_device_id_path")),
        sa.UniqueConstraint("uuid", name=op.f("uq_locations_uuid")),
    )
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_locations_device_id"), ["device_id"], unique=False)

    op.create_table(
        "metadata_label",
        sa.Column("metadata_id", sa.Integer(), nullable=False),
        sa.Column("label_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["label_id"], ["labels.id"], name=op.f("fk_metadata_label_label_id_labels"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["metadata_id"],
            ["user_metadata.id"],
            name=op.f("fk_metadata_label_metadata_id_user_metadata"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("metadata_id", "label_id", name=op.f("pk_metadata_label")),
    )
    with op.batch_alter_table("metadata_label", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metadata_label_label_id"), ["label_id"], unique=False)

    op.create_table(
        "metadata_tag",
        sa.Column("metadata_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["metadata_id"],
            ["user_metadata.id"],
            name=op.f("fk_metadata_tag_metadata_id_user_metadata"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_metadata_tag_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("metadata_id", "tag_id", name=op.f("pk_metadata_tag")),
    )
    with op.batch_alter_table("metadata_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_metadata_tag_tag_id"), ["tag_id"], unique=False)

    op.create_table(
        "volumes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("mount_point", sa.Text(), nullable=False),
        sa.Column("file_system", sa.Text(), nullable=True),
        sa.Column("total_capacity", sa.BigInteger(), nullable=False),
        sa.Column("available_capacity", sa.BigInteger(), nullable=False),
        sa.Column("is_removable", sa.Boolean(), nullable=False),
        sa.Column("is_network", sa.Boolean(), nullable=False),
        sa.Column("is_read_only", sa.Boolean(), nullable=False),
        sa.Column("is_system", sa.Boolean(), nullable=False),
        sa.Column("last_seen_at", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_volumes_device_id_devices"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volumes")),
        sa.UniqueConstraint("fingerprint", name=op.f("uq_volumes_fingerprint")),
        sa.UniqueConstraint("uuid", name=op.f("uq_volumes_uuid")),
    )
    op.create_table(
        "entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.LargeBinary(length=16), nullable=False),
        sa.Column("location_id", sa.Integer(), nullable=True),
        sa.Column("relative_path", sa.LargeBinary(), nullable=False),
        sa.Column("name", sa.LargeBinary(), nullable=False),
        sa.Column("extension", sa.LargeBinary(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("metadata_id", sa.Integer(), nullable=True),
        sa.Column("content_id", sa.Integer(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("aggregate_size", sa.BigInteger(), nullable=False),
        sa.Column("child_count", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=False),
        sa.Column("inode", sa.BigInteger(), nullable=True),
        sa.Column("permissions", sa.Integer(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("modified_at", sa.BigInteger(), nullable=False),
        sa.Column("accessed_at", sa.BigInteger(), nullable=True),
        sa.Column("indexed_at", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content_identities.id"],
            name=op.f("fk_entries_content_id_content_identities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_entries_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["metadata_id"],
            ["user_metadata.id"],
            name=op.f("fk_entries_metadata_id_user_metadata"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entries")),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entries_content_id",
            ["content_id"],
            unique=False,
            sqlite_where=sa.text("content_id IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_entries_key", ["location_id", "relative_path", "name", "extension"], unique=True
        )
        batch_op.create_index(
            "ix_entries_metadata_id",
            ["metadata_id"],
            unique=False,
            sqlite_where=sa.text("metadata_id IS NOT NULL"),
        )
        batch_op.create_index("ix_entries_uuid", ["uuid"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index("ix_entries_uuid")
        batch_op.drop_index("ix_entries_metadata_id", sqlite_where=sa.text("metadata_id IS NOT NULL"))
        batch_op.drop_index("ix_entries_key")
        batch_op.drop_index("ix_entries_content_id", sqlite_where=sa.text("content_id IS NOT NULL"))

    op.drop_table("entries")
    op.drop_table("volumes")
    with op.batch_alter_table("metadata_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metadata_tag_tag_id"))

    op.drop_table("metadata_tag")
    with op.batch_alter_table("metadata_label", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_metadata_label_label_id"))

    op.drop_table("metadata_label")
    with op.batch_alter_table("locations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_locations_device_id"))

    op.drop_table("locations")
    with op.batch_alter_table("content_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_identities_size"))
        batch_op.drop_index(batch_op.f("ix_content_identities_kind_id"))

    op.drop_table("content_identities")
    with op.batch_alter_table("user_metadata", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_metadata_favorite"))

    op.drop_table("user_metadata")
    op.drop_table("tags")
    op.drop_table("mime_types")
    op.drop_table("labels")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_jobs_status"))

    op.drop_table("jobs")
    op.drop_table("devices")
    op.drop_table("content_kinds")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_log_action"))

    op.drop_table("audit_log")
