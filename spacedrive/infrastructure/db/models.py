"""SQLAlchemy 2 models of a library database (spec: database.md; DESIGN.md section 4).

Times are integer Unix seconds, except the file times of entries, which are nanoseconds (change
detection must see two writes in the same second). UUIDs are 16-byte blobs.

Entries use materialized paths: ``relative_path`` is the parent folder inside the location (b'' at its
root, components joined by b'/'), ``name`` the stem and ``extension`` the suffix without its dot. All
three are the file system's raw bytes (BLOB), so names that are not UTF-8, or NFC/NFD twins, are kept
exactly and stay distinct; display code decodes them. ``location_id`` NULL marks a loose entry (an
ephemeral file that carries tags or notes).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class DeviceRow(Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    name: Mapped[str] = mapped_column(Text)
    os: Mapped[str] = mapped_column(Text)
    os_version: Mapped[str | None] = mapped_column(Text)
    hardware_model: Mapped[str | None] = mapped_column(Text)
    network_addresses: Mapped[str | None] = mapped_column(Text)  # JSON array
    is_online: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)
    capabilities: Mapped[str | None] = mapped_column(Text)  # JSON object
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class LocationRow(Base):
    __tablename__ = "locations"
    __table_args__ = (UniqueConstraint("device_id", "path"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    path: Mapped[bytes] = mapped_column(LargeBinary)  # absolute, raw bytes
    name: Mapped[str | None] = mapped_column(Text)
    index_mode: Mapped[str] = mapped_column(String(16), default="shallow")
    scan_state: Mapped[str] = mapped_column(String(16), default="pending")
    last_scan_at: Mapped[int | None] = mapped_column(BigInteger)
    error_message: Mapped[str | None] = mapped_column(Text)
    total_file_count: Mapped[int] = mapped_column(BigInteger, default=0)
    total_byte_size: Mapped[int] = mapped_column(BigInteger, default=0)
    indexer_rules: Mapped[str | None] = mapped_column(Text)  # JSON object
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class ContentKindRow(Base):
    __tablename__ = "content_kinds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class MimeTypeRow(Base):
    __tablename__ = "mime_types"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mime: Mapped[str] = mapped_column(Text, unique=True)


class ContentIdentityRow(Base):
    __tablename__ = "content_identities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    cas_id: Mapped[str] = mapped_column(String(16), unique=True)
    integrity_hash: Mapped[str | None] = mapped_column(String(64))  # full BLAKE3, when verified
    kind_id: Mapped[int | None] = mapped_column(ForeignKey("content_kinds.id"), index=True)
    mime_type_id: Mapped[int | None] = mapped_column(ForeignKey("mime_types.id"))
    size: Mapped[int] = mapped_column(BigInteger, index=True)
    media_data: Mapped[str | None] = mapped_column(Text)  # JSON object
    entry_count: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[int] = mapped_column(BigInteger)
    last_verified_at: Mapped[int | None] = mapped_column(BigInteger)


class UserMetadataRow(Base):
    __tablename__ = "user_metadata"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    notes: Mapped[str | None] = mapped_column(Text)
    favorite: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    custom_data: Mapped[str | None] = mapped_column(Text)  # JSON object
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class EntryRow(Base):
    __tablename__ = "entries"
    # Indexes are standalone (not table constraints) so a large first scan can drop and rebuild them
    # around its bulk insert; the FK indexes are partial because most rows have no metadata or content.
    __table_args__ = (
        # Also serves folder listings: (location_id, relative_path) is its prefix.
        Index("ix_entries_key", "location_id", "relative_path", "name", "extension", unique=True),
        Index("ix_entries_uuid", "uuid", unique=True),
        Index("ix_entries_metadata_id", "metadata_id", sqlite_where=text("metadata_id IS NOT NULL")),
        Index("ix_entries_content_id", "content_id", sqlite_where=text("content_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16))
    location_id: Mapped[int | None] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    relative_path: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    name: Mapped[bytes] = mapped_column(LargeBinary)
    extension: Mapped[bytes] = mapped_column(LargeBinary, default=b"")
    kind: Mapped[int] = mapped_column(Integer)  # 0 file, 1 directory, 2 symlink, 3 other
    metadata_id: Mapped[int | None] = mapped_column(ForeignKey("user_metadata.id", ondelete="SET NULL"))
    content_id: Mapped[int | None] = mapped_column(ForeignKey("content_identities.id", ondelete="SET NULL"))
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    aggregate_size: Mapped[int] = mapped_column(BigInteger, default=0)
    child_count: Mapped[int] = mapped_column(Integer, default=0)
    file_count: Mapped[int] = mapped_column(Integer, default=0)
    inode: Mapped[int | None] = mapped_column(BigInteger)
    permissions: Mapped[int | None] = mapped_column(Integer)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[int] = mapped_column(BigInteger)
    modified_at: Mapped[int] = mapped_column(BigInteger)
    accessed_at: Mapped[int | None] = mapped_column(BigInteger)
    indexed_at: Mapped[int | None] = mapped_column(BigInteger)


class TagRow(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    color: Mapped[str | None] = mapped_column(String(16))
    icon: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class LabelRow(Base):
    __tablename__ = "labels"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    name: Mapped[str] = mapped_column(Text)
    color: Mapped[str | None] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("labels.id", ondelete="CASCADE"))
    created_at: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[int] = mapped_column(BigInteger)


class MetadataTagRow(Base):
    __tablename__ = "metadata_tag"
    metadata_id: Mapped[int] = mapped_column(
        ForeignKey("user_metadata.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MetadataLabelRow(Base):
    __tablename__ = "metadata_label"
    metadata_id: Mapped[int] = mapped_column(
        ForeignKey("user_metadata.id", ondelete="CASCADE"), primary_key=True
    )
    label_id: Mapped[int] = mapped_column(
        ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class VolumeRow(Base):
    __tablename__ = "volumes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    fingerprint: Mapped[str] = mapped_column(Text, unique=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text)
    mount_point: Mapped[str] = mapped_column(Text)
    file_system: Mapped[str | None] = mapped_column(Text)
    total_capacity: Mapped[int] = mapped_column(BigInteger, default=0)
    available_capacity: Mapped[int] = mapped_column(BigInteger, default=0)
    is_removable: Mapped[bool] = mapped_column(Boolean, default=False)
    is_network: Mapped[bool] = mapped_column(Boolean, default=False)
    is_read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen_at: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[int] = mapped_column(BigInteger)


class JobRow(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # UUID text
    name: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)  # Job.describe(): "Indexing Photos"
    status: Mapped[str] = mapped_column(String(16), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)  # msgpack, written at checkpoints
    progress: Mapped[str | None] = mapped_column(Text)  # JSON of domain.jobs.Progress
    error: Mapped[str | None] = mapped_column(Text)
    parent_id: Mapped[str | None] = mapped_column(String(36))
    resumed_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[int] = mapped_column(BigInteger)
    started_at: Mapped[int | None] = mapped_column(BigInteger)
    finished_at: Mapped[int | None] = mapped_column(BigInteger)
    checkpointed_at: Mapped[int | None] = mapped_column(BigInteger)


class AuditLogRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[bytes] = mapped_column(LargeBinary(16), unique=True)
    action: Mapped[str] = mapped_column(Text, index=True)
    device_id: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    targets: Mapped[str | None] = mapped_column(Text)  # JSON
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str | None] = mapped_column(Text)  # JSON
    job_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[int] = mapped_column(BigInteger, index=True)
    completed_at: Mapped[int | None] = mapped_column(BigInteger)
