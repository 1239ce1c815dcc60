"""Spacedrop as jobs: sending and receiving show in the jobs panel and in `spacedrive job list`.

A send job is resumable: if this process dies mid-way, the job runs again when Spacedrive restarts,
offers the same files, and the receiver answers with the offsets its partial files reached. A receive
job only lives as long as its connection; resuming a receive is the sender's offer coming again.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path

from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.jobs.base import Job
from spacedrive.infrastructure.jobs.context import JobContext
from spacedrive.infrastructure.net.framing import read_frame, write_frame
from spacedrive.infrastructure.net.tls_channel import open_channel
from spacedrive.operations.network.service import DATA_TIMEOUT, OFFER_TIMEOUT, service_for


class SpacedropDeclined(SpacedriveError):
    code = "spacedrop_declined"


def _progress(ctx: JobContext, files: int):  # type: ignore[no-untyped-def]
    def report(done: int, total: int, name: str) -> None:
        ctx.progress(done, total, phase="transfer", message=name, bytes_completed=done, bytes_total=total)

    return report


@dataclass
class SpacedropSendJob(Job):
    NAME = "spacedrop_send"
    PRIORITY = 5

    device_id: str
    device_name: str
    paths: list[str]
    addr: str | None = None
    #: Filled when done: bytes actually sent over the wire in this run, and the time it took.
    sent_bytes: int = 0
    seconds: float = 0.0
    files: int = 0
    total: int = 0
    offer_id: str = ""
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = Path(self.paths[0]).name if len(self.paths) == 1 else f"{len(self.paths)} items"
        return f"Send {what} to {self.device_name}"

    async def run(self, ctx: JobContext) -> None:
        from spacedrive.operations.spacedrop.protocol import Accept
        from spacedrive.operations.spacedrop.sender import build_offer, send_files

        service = service_for(ctx.services["bus"])
        assert service.identity is not None
        ctx.progress(0, 0, phase="offer", message=f"Waiting for {self.device_name} to accept")
        offer, sources = await asyncio.to_thread(
            build_offer, [Path(p) for p in self.paths], service.device_info()["name"]
        )
        if self.offer_id:
            offer.id = self.offer_id  # the same offer again after a restart
        self.offer_id, self.files, self.total = offer.id, len(offer.files), offer.total
        await ctx.checkpoint(force=True)
        session = await service.connect(self.device_id, self.addr)
        try:
            reader, writer = await session.open_stream()
            await write_frame(writer, {**offer.to_frame(), "device": service.device_info()})
            reply = await read_frame(reader, expect=("accept", "decline"), timeout=OFFER_TIMEOUT + 30)
            writer.close()
        finally:
            await session.close()
        if reply["t"] == "decline":
            raise SpacedropDeclined(str(reply.get("reason") or f"{self.device_name} declined"))
        accept = Accept.from_frame(reply)
        port = reply.get("port")
        if not isinstance(port, int):
            raise SpacedriveError(f"{self.device_name} accepted without a data port")
        device = service.devices.find(self.device_id)
        host = session.peer.address[0]
        started = time.perf_counter()
        reader, writer, _ = await asyncio.wait_for(
            open_channel(service.identity, host, port, device.cert_der, device.device_id), DATA_TIMEOUT
        )
        try:
            await write_frame(writer, {"t": "data", "token": accept.token})
            self.sent_bytes = await send_files(
                sources, offer, accept, reader, writer, _progress(ctx, self.files)
            )
        finally:
            writer.close()
        self.seconds = round(time.perf_counter() - started, 3)
        ctx.progress(self.total, self.total, phase="done", bytes_completed=self.total, bytes_total=self.total)


@dataclass
class SpacedropReceiveJob(Job):
    NAME = "spacedrop_receive"
    RESUMABLE = False
    PRIORITY = 5

    token: str
    sender: str
    target_dir: str
    files: int
    total: int

    def describe(self) -> str:
        return f"Receive {self.files} file(s) from {self.sender}"

    async def run(self, ctx: JobContext) -> None:
        from spacedrive.operations.spacedrop.receiver import Receiver

        service = service_for(ctx.services["bus"])
        token = bytes.fromhex(self.token)
        pending = service.take_receive(token)
        try:
            ctx.progress(0, self.total, phase="waiting", message=f"Waiting for {self.sender}")
            reader, writer = await asyncio.wait_for(asyncio.shield(pending.channel), DATA_TIMEOUT)
            receiver = Receiver(pending.target_dir, pending.offer, pending.sender_id)
            receiver.prepare()
            await receiver.receive(reader, writer, _progress(ctx, self.files))
            ctx.progress(
                self.total, self.total, phase="done", bytes_completed=self.total, bytes_total=self.total
            )
        finally:
            service.end_receive(token)
