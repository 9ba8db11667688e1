"""The /live Socket.IO namespace: joining, catching up, chat, moderation, presenting, ending."""
from __future__ import annotations
