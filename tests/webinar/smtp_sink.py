"""A real SMTP server (aiosmtpd) for the e-mail tests, run as its own process.

Usage: python smtp_sink.py PORT FOLDER. Each message received is written to FOLDER as N.eml with
N.rcpt beside it (the envelope recipients, one a line). The first RCPT TO of an address that starts
with 'flaky' is refused with a 451 (try again later); later ones are accepted.
"""
from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session


class Sink:
    """Keeps every message as a file; refuses a 'flaky' address once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.refused: set[str] = set()

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str,
                          rcpt_options: list[str]) -> str:
        if address.startswith("flaky") and address not in self.refused:
            self.refused.add(address)
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        n = len(list(self.folder.glob("*.eml")))
        (self.folder / f"{n}.rcpt").write_text("\n".join(envelope.rcpt_tos), encoding="utf-8")
        (self.folder / f"{n}.eml").write_bytes(envelope.original_content or b"")
        return "250 Message accepted"


async def main(port: int, folder: Path) -> None:
    """Serve until killed; print 'ready' once listening."""
    loop = asyncio.get_running_loop()
    sink = Sink(folder)
    server = await loop.create_server(lambda: SMTP(sink, hostname="sink.test", decode_data=False),
                                      "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), Path(sys.argv[2])))
