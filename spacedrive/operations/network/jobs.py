"""Spacedrop as jobs: sending and receiving show in the jobs panel and in `spacedrive job list`.

A send job survives interruptions. When the connection breaks after the receiver accepted (the
receiver was killed, a cable pulled), the job offers the same files again for a while; the receiver
answers with the offsets its partial files reached, and only the rest travels. If this process dies,
the job runs again when Spacedrive restarts and does the same. A receive job lives as long as its
connection: resuming a receive is the sender's offer coming again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from spacedrive.errors import SpacedriveError
from spacedrive.infrastructure.jobs.base import Job
from spacedrive.infrastructure.jobs.context import JobContext
from spacedrive.infrastructure.net.framing import ProtocolError, read_frame
from spacedrive.infrastructure.net.tls_channel import open_channel
from spacedrive.infrastructure.net.transport import TransportError
from spacedrive.operations.network.service import (
    DATA_TIMEOUT,
    OFFER_TIMEOUT,
    DeviceUnreachable,
    NetworkService,
    service_for,
)
from spacedrive.operations.spacedrop.protocol import Accept, Offer, Progress, write_offer

log = logging.getLogger(__name__)

#: After a transfer broke, how long the sender keeps offering again before it gives up.
RETRY_WINDOW = 120.0
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0)


class SpacedropDeclined(SpacedriveError):
    code = "spacedrop_declined"


def _reporter(ctx: JobContext, files: int) -> Progress:
    """Bytes as the transfer reports them; a file counts as done once the next one starts."""
    names: set[str] = set()

    def report(done: int, total: int, name: str) -> None:
        if name:
            names.add(name)
        finished = files if total and done >= total else max(len(names) - 1, 0)
        ctx.progress(finished, files, phase="transfer", message=name, bytes_completed=done, bytes_total=total)

    return report


@dataclass
class SpacedropSendJob(Job):
    NAME = "spacedrop_send"
    PRIORITY = 5

    device_id: str
    device_name: str
    paths: list[str]
    addr: str | None = None
    offer_id: str = ""
    files: int = 0
    total: int = 0
    #: Bytes put on the wire (resumed prefixes excluded), over every attempt, and the attempts made.
    sent_bytes: int = 0
    attempts: int = 0
    seconds: float = 0.0
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        what = Path(self.paths[0]).name if len(self.paths) == 1 else f"{len(self.paths)} items"
        return f"Send {what} to {self.device_name}"

    async def run(self, ctx: JobContext) -> None:
        from spacedrive.operations.spacedrop.sender import build_offer

        service = service_for(ctx.services["bus"])
        skipped: list[str] = []
        offer, sources = await asyncio.to_thread(
            build_offer,
            [Path(p) for p in self.paths],
            service.device_info()["name"],
            lambda path, reason: skipped.append(f"{path}: {reason}"),
            self.offer_id or None,  # the same offer again after a restart: the receiver resumes it
        )
        self.files = sum(1 for f in offer.files if not f.is_dir)
        self.offer_id, self.total, self.skipped = offer.id, offer.total, skipped
        await ctx.checkpoint(force=True)
        started = time.perf_counter()
        broke_at: float | None = None
        delays = iter(RETRY_DELAYS)
        while True:
            await ctx.check_interrupt()
            self.attempts += 1
            try:
                await self._attempt(ctx, service, offer, sources)
                break
            except (ProtocolError, TransportError, DeviceUnreachable, OSError, TimeoutError) as e:
                # Not a refusal: the link broke. Offer again while the window lasts.
                now = time.monotonic()
                if broke_at is None:
                    if isinstance(e, DeviceUnreachable) and self.attempts == 1:
                        raise
                    broke_at = now
                if now - broke_at > RETRY_WINDOW:
                    raise
                delay = next(delays, RETRY_DELAYS[-1])
                log.info("spacedrop to %s broke (%s); offering again in %.1f s", self.device_name, e, delay)
                ctx.progress(0, 0, phase="reconnecting", message=f"Connection lost; retrying ({e})")
                await asyncio.sleep(delay)
        self.seconds = round(time.perf_counter() - started, 3)
        await ctx.checkpoint(force=True)  # the report (bytes sent, attempts, time) outlives the run
        ctx.progress(self.files, self.files, phase="done", bytes_completed=self.total, bytes_total=self.total)

    async def _attempt(
        self, ctx: JobContext, service: NetworkService, offer: Offer, sources: list[Path]
    ) -> None:
        from spacedrive.operations.spacedrop.sender import send_files

        assert service.identity is not None
        ctx.progress(0, 0, phase="offer", message=f"Waiting for {self.device_name} to accept")
        session = await service.connect(self.device_id, self.addr)
        try:
            reader, writer = await session.open_stream()
            await write_offer(writer, offer)
            reply = await read_frame(reader, expect=("accept", "decline"), timeout=OFFER_TIMEOUT + 30)
            writer.close()
        finally:
            service.close_later(session)
        if reply["t"] == "decline":
            raise SpacedropDeclined(str(reply.get("reason") or f"{self.device_name} declined"))
        accept = Accept.from_frame(reply, offer)
        port = reply.get("port")
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ProtocolError(f"{self.device_name} accepted without a valid data port")
        device = service.devices.find(self.device_id)
        host = session.peer.address[0]
        channel = await asyncio.wait_for(
            open_channel(service.identity, host, port, device.cert_der, device.device_id), DATA_TIMEOUT
        )
        try:
            await channel.write_frame({"t": "data", "token": accept.token})
            self.sent_bytes += await send_files(sources, offer, accept, channel, _reporter(ctx, self.files))
        finally:
            channel.abort()
            await channel.aclose()


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
    #: Bytes the partial files already held when this transfer started (a resumed transfer).
    resumed_bytes: int = 0

    def describe(self) -> str:
        return f"Receive {self.files} file{'' if self.files == 1 else 's'} from {self.sender}"

    async def run(self, ctx: JobContext) -> None:
        service = service_for(ctx.services["bus"])
        token = bytes.fromhex(self.token)
        pending = service.take_receive(token)
        try:
            ctx.progress(0, self.files, phase="waiting", message=f"Waiting for {self.sender}")
            channel = await asyncio.wait_for(asyncio.shield(pending.channel), DATA_TIMEOUT)
            await pending.receiver.receive(channel, _reporter(ctx, self.files))
            ctx.progress(
                self.total, self.total, phase="done", bytes_completed=self.total, bytes_total=self.total
            )
        finally:
            service.end_receive(token)
